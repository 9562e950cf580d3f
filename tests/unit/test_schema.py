import pandas as pd
import pytest

from tracker import schema


def _row(**overrides):
    base = {
        "incident_id": "T-1", "date": "2025-03-16", "date_precision": "day",
        "province": "Balochistan", "district": "Nushki", "location": "RCD highway",
        "latitude": 29.5, "longitude": 66.0, "geo_precision": "district",
        "attack_type": "bombing", "target": "security forces", "perpetrator": "BLA",
        "claimed": "claimed", "killed": 5, "injured": None, "militants_killed": None,
        "killed_claimed": 90, "summary": "A test row.", "notes": None,
        "source_name": "Test", "source_url": "https://example.org/a", "batch_id": "b1",
    }
    base.update(overrides)
    return base


def test_seven_provinces_with_iso_codes():
    assert schema.PROVINCES == {
        "Balochistan": "PK-BA", "Khyber Pakhtunkhwa": "PK-KP", "Punjab": "PK-PB",
        "Sindh": "PK-SD", "Islamabad Capital Territory": "PK-IS",
        "Gilgit-Baltistan": "PK-GB", "Azad Jammu and Kashmir": "PK-JK",
    }


def test_valid_row_passes_and_unknown_count_stays_empty():
    frame = schema.conform(pd.DataFrame([_row()]))
    valid, problems = schema.validate(frame)
    assert problems.empty
    assert len(valid) == 1
    assert pd.isna(valid["injured"].iloc[0])  # not reported is not zero
    assert valid["killed"].dtype == "Int64"


@pytest.mark.parametrize(
    ("overrides", "column", "reason_part"),
    [
        ({"province": "Narnia"}, "province", "must be one of"),
        ({"attack_type": "stabbing spree"}, "attack_type", "must be one of"),
        ({"target": "aliens"}, "target", "must be one of"),
        ({"killed": -3}, "killed", "negative"),
        ({"source_url": "javascript:alert(1)"}, "source_url", "http(s)"),
        ({"latitude": 51.5}, "latitude", "outside Pakistan"),
        ({"claimed": "maybe"}, "claimed", "must be one of"),
        ({"date": None}, "date", "required"),
    ],
    ids=["province", "attack_type", "target", "negative", "url", "latitude", "claimed", "date"],
)
def test_each_rule_has_a_failing_row(overrides, column, reason_part):
    frame = schema.conform(pd.DataFrame([_row(), _row(incident_id="T-2", **overrides)]))
    valid, problems = schema.validate(frame)
    assert list(valid["incident_id"]) == ["T-1"]
    hit = problems[problems["column"] == column]
    assert not hit.empty, problems
    assert (hit["index"] == 1).all()
    assert hit["reason"].str.contains(reason_part, regex=False).any(), hit


def test_every_reason_of_a_row_is_reported_lazily():
    frame = schema.conform(
        pd.DataFrame([_row(province="Narnia", killed=-1, source_url="ftp://x")])
    )
    _, problems = schema.validate(frame)
    assert set(problems["column"]) >= {"province", "killed", "source_url"}


def test_duplicate_ids_are_rejected():
    frame = schema.conform(pd.DataFrame([_row(), _row()]))
    valid, problems = schema.validate(frame)
    assert valid.empty
    assert problems["reason"].str.contains("more than once").any()


def test_the_validation_schema_comes_from_the_one_field_declaration():
    columns = schema.incident_schema().columns
    assert tuple(columns) == schema.COLUMNS
    for field in schema.FIELDS:
        assert columns[field.name].nullable is not field.required, field.name
        assert columns[field.name].unique is field.unique, field.name
    assert {f.kind for f in schema.FIELDS} == {"text", "date", "number", "count"}


@pytest.mark.parametrize("url", [
    "https://www.dawn.com/news/1890001", "http://example.org",
    "https://dunyanews.tv/en/Pakistan/803782-Two-killed,-five-injured-in-Khuzdar-blast",
    "HTTPS://EXAMPLE.ORG/A?b=1#c",
])
def test_one_url_rule_accepts_http_addresses(url):
    assert schema.http_url(f"  {url} ") == url
    assert schema.is_http_url(pd.Series([url])).tolist() == [True]


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "ftp://example.org/a", "https://", "https:///path", "www.dawn.com",
    "https://exa mple.org", "https://example.org/\x00", "data:text/html,<b>x</b>", "",
])
def test_one_url_rule_refuses_everything_else(url):
    assert schema.http_url(url) is None
    assert schema.is_http_url(pd.Series([url])).tolist() == [False]


def test_the_schema_tables_and_briefs_share_the_url_rule():
    from tracker.present import tables

    bad = "https:///nowhere"
    _, problems = schema.validate(schema.conform(pd.DataFrame([_row(source_url=bad)])))
    assert problems["reason"].tolist() == ["must be an http(s) URL"]
    assert tables.safe_link(bad) is None


@pytest.mark.parametrize(
    "overrides",
    [{"province": "Narnia"}, {"date_precision": "year"}, {"geo_precision": "street"},
     {"attack_type": "stabbing spree"}, {"target": "aliens"}, {"claimed": "maybe"},
     {"killed": -3}, {"injured": -1}, {"militants_killed": -2}, {"killed_claimed": -4},
     {"source_url": "javascript:alert(1)"}, {"latitude": 51.5}, {"longitude": 10.0},
     {"date": None}, {"incident_id": ""}, {"incident_id": "x" * 201}, {"perpetrator": ""},
     {"source_name": "s" * 301}, {"batch_id": None}, {"province": None},
     {"incident_id": "T-1"}],
)
@pytest.mark.parametrize("text", ["str", "object"])
def test_the_fast_path_never_passes_a_frame_pandera_rejects(overrides, text):
    """The column-wise shortcut answers 'valid' only when pandera agrees."""
    frame = schema.conform(pd.DataFrame([_row(), _row(**{"incident_id": "T-2", **overrides})]),
                           text=text)
    assert not schema._surely_valid(frame)
    valid, problems = schema.validate(frame)
    assert not problems.empty
    assert len(valid) < 2


@pytest.mark.parametrize("text", ["str", "object"])
def test_the_fast_path_passes_a_clean_frame_and_matches_pandera(text):
    frame = schema.conform(pd.DataFrame([_row(), _row(incident_id="T-2", injured=2,
                                                      latitude=None, notes="n")]),
                           text=text)
    assert schema._surely_valid(frame)
    schema.incident_schema().validate(frame, lazy=True)  # pandera agrees: raises if not
    assert not schema._surely_valid(frame.drop(columns=["notes"]))
    assert not schema._surely_valid(frame.assign(extra=1))


def test_the_fast_path_leaves_a_non_text_value_in_a_text_column_to_pandera():
    frame = schema.conform(pd.DataFrame([_row(), _row(incident_id="T-2")]))
    frame.loc[1, "location"] = 5
    assert not schema._surely_valid(frame)
    assert not schema.validate(frame)[1].empty
