"""The synthetic generator: valid, seeded, shaped like the real sample, labelled everywhere."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from tracker import config, geo, schema
from tracker.cli import main
from tracker.devtools import synth
from tracker.ingest import places
from tracker.store.database import read_canonical_csv


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return synth.generate(20_000, seed=5)


def test_rows_validate_against_the_canonical_schema(frame):
    valid, problems = schema.validate(frame)
    assert problems.empty, problems.head()
    assert len(valid) == 20_000
    assert list(frame.columns) == list(schema.COLUMNS)


def test_same_seed_same_rows_other_seed_other_rows():
    a = synth.generate(500, seed=11)
    pd.testing.assert_frame_equal(a, synth.generate(500, seed=11))
    b = synth.generate(500, seed=12)
    assert not a["district"].equals(b["district"])
    assert set(a["incident_id"]).isdisjoint(b["incident_id"])


def test_every_row_is_labelled_synthetic(frame):
    assert frame["incident_id"].str.startswith("SYN-").all()
    assert frame["incident_id"].is_unique
    assert (frame["source_name"] == "SYNTHETIC").all()
    assert frame["source_url"].str.startswith("https://example.invalid/synthetic/").all()
    assert frame["summary"].str.startswith("SYNTHETIC —").all()
    assert frame["notes"].str.startswith("SYNTHETIC —").all()
    assert frame["location"].str.startswith("SYNTHETIC —").all()
    assert (frame["batch_id"] == "synthetic-5").all()
    assert synth.synthetic_count(frame) == len(frame)
    assert synth.is_synthetic(frame)


def test_real_data_is_not_taken_for_synthetic():
    real = read_canonical_csv(config.data_dir() / "incidents.csv")
    assert synth.synthetic_count(real) == 0
    assert not synth.is_synthetic(real)
    mixed = pd.concat([real, synth.generate(10, seed=1)], ignore_index=True)
    assert synth.synthetic_count(mixed) == 10
    assert "10 of " in synth.banner_text(10, len(mixed))
    assert synth.banner_text(5, 5).startswith("SYNTHETIC DATA: all")


def test_provinces_are_weighted_like_the_real_sample(frame):
    share = frame["province"].value_counts(normalize=True)
    assert share.index[0] == "Khyber Pakhtunkhwa" and share.index[1] == "Balochistan"
    assert share["Khyber Pakhtunkhwa"] + share["Balochistan"] > 0.85
    assert set(frame["province"]) == set(schema.PROVINCES)  # every province appears


def test_districts_and_points_belong_to_their_province(frame):
    gazetteer = places.district_province()
    assert frame["district"].map(gazetteer).eq(frame["province"]).all()
    sample = frame.sample(3000, random_state=1)
    found = geo.province_of_points(sample["latitude"], sample["longitude"])
    assert (found == sample["province"]).mean() > 0.97  # gazetteer points near borders


def test_casualties_are_heavy_tailed_and_sometimes_unreported(frame):
    killed = frame["killed"]
    assert 0.04 < killed.isna().mean() < 0.10
    assert 0.25 < frame["injured"].isna().mean() < 0.40
    reported = killed.dropna()
    assert (reported == 0).mean() > 0.25
    assert reported.max() > 20 * reported.median()
    assert frame["killed_claimed"].notna().mean() < 0.03
    claimed = frame.dropna(subset=["killed_claimed"])
    assert (claimed["perpetrator"] != schema.UNKNOWN_PERPETRATOR).all()


def test_dates_span_the_default_period_and_rise(frame):
    assert frame["date"].min() >= pd.Timestamp(synth.DEFAULT_START)
    assert frame["date"].max() <= pd.Timestamp(synth.DEFAULT_END)
    per_year = frame["date"].dt.year.value_counts().sort_index()
    assert per_year.iloc[-1] > 2 * per_year.iloc[0]


def test_cli_writes_csv_that_reads_back_the_same(tmp_path):
    out = tmp_path / "syn.csv"
    result = CliRunner().invoke(main, ["synth", "--rows", "300", "--out", str(out),
                                       "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC" in result.output
    back = read_canonical_csv(out)
    pd.testing.assert_frame_equal(back, synth.generate(300, seed=4))


def test_cli_writes_parquet_and_refuses_other_names(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["synth", "--rows", "50", "--out", str(tmp_path / "s.parquet")])
    assert ok.exit_code == 0, ok.output
    assert len(pd.read_parquet(tmp_path / "s.parquet")) == 50
    bad = runner.invoke(main, ["synth", "--rows", "50", "--out", str(tmp_path / "s.txt")])
    assert bad.exit_code != 0
    assert not (tmp_path / "s.txt").exists()


def test_zero_rows_and_bad_arguments():
    assert synth.generate(0).empty
    with pytest.raises(ValueError, match="rows"):
        synth.generate(-1)
