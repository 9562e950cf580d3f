"""Links "as of" a moment: the data as it stood then, on every read path and database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time

import pandas as pd
import pytest
import sqlalchemy as sa

from tracker import schema
from tracker.analysis import asof
from tracker.analysis.filters import FilterSpec
from tracker.store import migrations
from tracker.store.database import BatchMeta, Store
from tracker.store.tables import batch_events


def _rows(prefix: str, n: int, province: str = "Balochistan") -> pd.DataFrame:
    rows = [{
        "incident_id": f"{prefix}-{i}", "date": "2025-03-16", "date_precision": "day",
        "province": province, "district": "Quetta", "geo_precision": "district",
        "latitude": 30.18, "longitude": 67.0, "attack_type": "bombing", "target": "police",
        "perpetrator": "Unknown", "claimed": "unknown", "killed": 1, "injured": None,
        "source_name": "Test (synthetic)", "source_url": "https://example.org/synthetic",
        "batch_id": "x",
    } for i in range(n)]
    return schema.conform(pd.DataFrame(rows))


def _add(store: Store, name: str, n: int, **meta) -> str:
    return store.add_batch(_rows(name, n), BatchMeta(f"{name}.csv", "tester", sha256=name,
                                                     **meta))


def _moment() -> dt.datetime:
    """Now, between two writes (their moments never share a microsecond with it)."""
    time.sleep(0.01)
    moment = asof.now()
    time.sleep(0.01)
    return moment


def _ids(store: Store, **kwargs) -> set[str]:
    return set(store.load_incidents(**kwargs)["incident_id"])


# --- the store --------------------------------------------------------------------------


def test_a_link_as_of_a_moment_keeps_its_data_after_an_upload_and_a_withdrawal(store):
    older = _add(store, "older", 3)
    link = _moment()
    _add(store, "newer", 2)
    store.set_withdrawn(older, True, "tester")
    assert _ids(store) == {"newer-0", "newer-1"}
    assert _ids(store, as_of=link) == {"older-0", "older-1", "older-2"}
    assert store.changed_since(link)
    assert not store.changed_since(_moment())


def test_withdrawn_then_restored_after_the_moment_counts_as_it_was(store):
    batch = _add(store, "b", 2)
    store.set_withdrawn(batch, True, "tester")
    hidden = _moment()
    store.set_withdrawn(batch, False, "tester")
    assert _ids(store, as_of=hidden) == set()
    assert _ids(store) == {"b-0", "b-1"}
    assert _ids(store, as_of=hidden, include_withdrawn=True) == {"b-0", "b-1"}


def test_review_and_sensitivity_are_as_they_were_at_the_moment(store):
    batch = _add(store, "r", 1)
    unreviewed = _moment()
    store.mark_reviewed(batch, "editor")
    reviewed = _moment()
    store.mark_sensitive(batch, "editor")
    assert _ids(store, as_of=unreviewed, reviewed_only=True) == set()
    assert _ids(store, as_of=reviewed, reviewed_only=True) == {"r-0"}
    assert _ids(store, as_of=reviewed, include_sensitive=False) == {"r-0"}
    assert _ids(store, include_sensitive=False) == set()


def test_before_any_batch_nothing_shows(store):
    before = _moment()
    _add(store, "a", 1)
    assert store.load_incidents(as_of=before).empty
    assert len(store.load_incidents(as_of=asof.now())) == 1


def test_the_row_by_row_path_applies_the_same_rule():
    """In-memory SQLite is read through SQLAlchemy, not the columnar reader."""
    store = Store("sqlite://")
    store.init()
    older = _add(store, "older", 2)
    link = _moment()
    _add(store, "newer", 1)
    store.set_withdrawn(older, True, "tester")
    assert _ids(store, as_of=link) == {"older-0", "older-1"}
    assert _ids(store) == {"newer-0"}


def test_a_batch_id_stands_for_the_moment_it_was_committed(store):
    first = _add(store, "first", 1)
    _add(store, "second", 1)
    moment = store.batch_moment(first)
    assert _ids(store, as_of=moment) == {"first-0"}
    assert store.batch_moment("no such batch") is None


def test_the_migration_fills_the_events_from_the_audit_log(store):
    """Down to the first schema (no events), up again: the past is rebuilt from the log."""
    older = _add(store, "older", 1)
    unreviewed = _add(store, "unrev", 1)
    t1 = _moment()
    store.set_withdrawn(older, True, "tester")
    store.mark_reviewed(unreviewed, "editor")
    t2 = _moment()
    store.set_withdrawn(older, False, "tester")
    store.mark_sensitive(unreviewed, "editor")
    moments = [t1, t2, asof.now()]
    kinds = [{}, {"reviewed_only": True}, {"include_sensitive": False}]
    before = [_ids(store, as_of=m, **k) for m in moments for k in kinds]
    recorded = _events(store)
    migrations.downgrade(store.engine, "0001")
    assert "batch_events" not in sa.inspect(store.engine).get_table_names()
    store.init()
    assert [_ids(store, as_of=m, **k) for m in moments for k in kinds] == before
    assert [e[:2] + e[3:] for e in _events(store)] == [e[:2] + e[3:] for e in recorded]


def _events(store: Store) -> list[tuple]:
    ev = batch_events
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(
            ev.c.batch_id, ev.c.action, ev.c.at, ev.c.withdrawn, ev.c.reviewed,
            ev.c.sensitive).order_by(ev.c.batch_id, ev.c.id))]


# --- the link parameter ------------------------------------------------------------------

NOW = dt.datetime(2026, 3, 1, 12, 0)


@pytest.mark.parametrize("raw, expected", [
    ("2026-02-24T10:00:00Z", dt.datetime(2026, 2, 24, 10, 0)),
    ("2026-02-24T15:00:00+05:00", dt.datetime(2026, 2, 24, 10, 0)),
    ("2026-02-24T10:00:00", dt.datetime(2026, 2, 24, 10, 0)),
    ("2026-02-24", dt.datetime(2026, 2, 24)),
    (" 2026-02-24T10:00:00.250000z ", dt.datetime(2026, 2, 24, 10, 0, 0, 250000)),
])
def test_moments_are_read_in_utc(raw, expected):
    assert asof.parse(raw, at=NOW) == (expected, None)


@pytest.mark.parametrize("raw, words", [
    ("yesterday", "not a moment"), ("", "not a moment"), ("2026-13-01", "not a moment"),
    ("2026-03-02T00:00:00Z", "in the future"), ("<b>x</b>" * 20, "not a moment"),
])
def test_a_malformed_or_future_moment_is_ignored_with_a_notice(raw, words):
    moment, notice = asof.parse(raw, at=NOW)
    assert moment is None and words in notice and "live data" in notice
    assert len(notice) < 200


def test_the_filter_spec_carries_as_of_through_the_link():
    spec, notices = FilterSpec.from_query({"as_of": "2026-02-24T10:00:00Z", "start": "2025-01-01"},
                                          now=NOW)
    assert notices == [] and spec.as_of == dt.datetime(2026, 2, 24, 10)
    assert spec.to_query()["as_of"] == "2026-02-24T10:00:00Z"
    assert FilterSpec.from_query(spec.to_query(), now=NOW)[0] == spec
    future, notices = FilterSpec.from_query({"as_of": "2027-01-01T00:00:00Z"}, now=NOW)
    assert future.as_of is None and "future" in notices[0]
    by_batch, notices = FilterSpec.from_query(
        {"as_of": "20260101T000000-ab12"}, now=NOW,
        batch_moments={"20260101T000000-ab12": dt.datetime(2026, 1, 1, 0, 0, 1)})
    assert by_batch.as_of == dt.datetime(2026, 1, 1, 0, 0, 1) and notices == []
    assert FilterSpec().to_query() == {}  # live links stay as they were


def test_fractions_of_a_second_survive_the_round_trip():
    moment = dt.datetime(2026, 2, 24, 10, 0, 0, 123456)
    assert asof.parse(asof.to_param(moment), at=NOW)[0] == moment


def test_the_data_line_names_the_moment_the_count_and_the_batches():
    frame = pd.concat([_rows("a", 3).assign(batch_id="b1"), _rows("b", 2).assign(batch_id="b2")])
    line = asof.data_line(dt.datetime(2026, 2, 24, 10, 0), frame)
    assert line == "data as of 24 Feb 2026 10:00 UTC: 5 incidents in 2 batches"
    assert asof.data_line(dt.datetime(2026, 2, 4, 9, 5), frame.head(1)).endswith(
        "1 incident in 1 batch")


def test_links_keep_the_view_and_encode_what_the_url_brought():
    params = {"province": ["Balochistan", "Sindh"], "q": ["a&b=c) [x](y)"], "as_of": ["old"]}
    link = asof.link_query(params, dt.datetime(2026, 2, 24, 10))
    assert link.startswith("?province=Balochistan&province=Sindh&q=a%26b%3Dc%29")
    assert link.endswith("&as_of=2026-02-24T10:00:00Z") and "old" not in link
    assert "as_of" not in asof.link_query(params, None)


def test_the_csv_export_carries_the_data_line_above_the_header():
    body = "\ufeffincident_id,date\n\"x\",\"2025-01-01\"\n".encode()
    out = asof.stamp_csv(body, "Data as of 24 Feb 2026 10:00 UTC: 1 incident in 1 batch")
    text = out.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Data as of 24 Feb 2026 10:00 UTC: 1 incident in 1 batch"]
    assert rows[1] == ["incident_id", "date"]


def test_the_png_stamp_adds_a_band_with_the_line_under_the_image():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (600, 300), (0, 90, 160)).save(buffer, format="PNG")
    out = Image.open(io.BytesIO(asof.stamp_png(buffer.getvalue(), "Data as of 24 Feb 2026")))
    assert out.width == 600 and out.height > 300
    assert out.getpixel((300, 150)) == (0, 90, 160)  # the chart itself is untouched
    band = out.crop((0, 300, 600, out.height)).convert("L")
    low, high = band.getextrema()
    assert low < 128 and high == 255  # dark text on white


def test_export_deck_refuses_a_bad_moment_before_drawing_anything(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from tracker.cli import main

    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{(tmp_path / 's.db').as_posix()}")
    monkeypatch.setenv("TRACKER_STATE_DIR", str(tmp_path / "state"))
    out = tmp_path / "deck.pptx"
    result = CliRunner().invoke(main, ["export-deck", "--out", str(out), "--as-of", "2999-01-01"])
    assert result.exit_code != 0 and "future" in result.output and not out.exists()
