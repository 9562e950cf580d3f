"""The Upload page through AppTest: preview counts, mapping step, save, same file again,
and file text shown inertly. Every uploaded file is synthetic."""

from __future__ import annotations

import csv
import io

from tests import upload_samples as samples
from tests.app.conftest import run_page
from tracker.store.database import Store


def _upload(at, name: str, data: bytes):
    at.get("file_uploader")[0].set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def _table(at, *columns: str):
    """The first table on the page that has these columns (AppTest exposes no table keys)."""
    for frame in at.dataframe:
        if set(columns) <= set(frame.value.columns):
            return frame.value
    raise AssertionError(f"no table with columns {columns}")


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_page_opens_with_the_limits_said(upload_page):
    at = upload_page()
    assert not at.exception
    assert [t.value for t in at.title] == ["Upload an incident log"]
    assert any("Up to 50 MB, 1,000,000 rows" in c.value for c in at.caption)
    assert at.get("file_uploader")[0].label == "Incident log"


def test_preview_counts_add_up_and_save_makes_one_unreviewed_batch(upload_page, app_store):
    rows = [*samples.canonical_rows(), dict(samples.canonical_rows()[0], incident_id="T-BAD",
                                            date="2025-02-30", summary="=HYPERLINK(1)")]
    at = _upload(upload_page(), "log.csv", samples.to_csv(rows, samples.CANONICAL_HEADER))
    assert _metrics(at) == {"Rows": "5", "Accepted": "4", "Rejected": "1",
                            "Probable duplicates": "0", "Outside Pakistan": "0"}
    assert any("5 = 4 accepted + 1 rejected + 0 probable duplicates + 0 outside Pakistan"
               in c.value for c in at.caption)
    rejected = _table(at, "row", "reason")
    assert rejected.to_dict("records") == [{"row": 6, "column": "date", "value": "2025-02-30",
                                            "reason": "no such day: 30 February 2025"}]
    download = at.get("download_button")[0]
    assert download.proto.label.startswith("Download the rejected rows")

    store = Store(app_store)
    before = store.count_incidents()
    at.button(key="upload_commit").click().run()
    assert not at.exception
    saved = next(s.value for s in at.success if "Saved as batch" in s.value)
    assert "Only signed-in researchers and admins see it for now" in saved  # who sees it
    assert store.count_incidents() == before + 4
    newest = store.batches().iloc[0]
    assert newest["file_name"] == "log.csv" and not newest["reviewed"]
    assert newest["uploaded_by"] == "ayesha"

    at.switch_page("pages/overview.py").run()
    headline = {m.label: m.value for m in at.metric}
    assert headline["Incidents"] == f"{before + 4:,}"  # the researcher sees the new batch
    visitor = run_page()  # a signed-out visitor does not, until an admin reviews it
    assert _metrics(visitor)["Incidents"] == f"{before:,}"


def test_the_same_file_again_is_recognised(upload_page):
    data = samples.to_csv(samples.canonical_rows(), samples.CANONICAL_HEADER)
    at = _upload(upload_page(), "log.csv", data)
    at.button(key="upload_commit").click().run()
    again = _upload(upload_page(), "copy of log.csv", data)
    assert any("uploaded before" in w.value for w in again.warning)
    assert again.button(key="upload_commit").disabled
    assert _metrics(again)["Probable duplicates"] == "4"


def test_an_unknown_layout_goes_through_the_mapping_step(upload_page):
    data = samples.to_xlsx({"Incidents": samples.messy_rows()})
    at = upload_page()
    at.get("file_uploader")[0].set_value(("log.xlsx", data, "application/vnd.ms-excel")).run()
    assert [s.value for s in at.subheader] == ["Map the columns"]
    editor = _table(at, "column", "example", "field")
    assert dict(zip(editor["column"], editor["field"], strict=True))["Shaheed"] == "killed"
    assert not at.metric  # no counts before the columns are mapped
    at.button(key="upload_mapping_apply").click().run()
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["Rows"] == "12"
    assert sum(int(metrics[k]) for k in ("Accepted", "Rejected", "Probable duplicates",
                                         "Outside Pakistan")) == 12
    fuzzy = _table(at, "matched", "score")
    assert fuzzy.loc[0, "value"] == "Peshawr" and fuzzy.loc[0, "matched"] == "Peshawar"
    twins = _table(at, "twin", "why")
    assert 13 in set(twins["row"])
    assert at.multiselect(key="upload_accept").options  # probable twins may be taken


def test_text_from_the_file_is_never_rendered_as_markdown(upload_page):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = [*samples.CANONICAL_HEADER, "**bold** [link](https://evil.invalid/x.png)"]
    writer.writerow(header)
    for row in samples.canonical_rows():
        writer.writerow([row[h] for h in samples.CANONICAL_HEADER] + ["<script>x</script>"])
    at = _upload(upload_page(), "hostile.csv", buffer.getvalue().encode())
    notes = [c.value for c in at.caption if "Columns not used" in c.value]
    assert len(notes) == 1
    assert "\\*\\*bold\\*\\* \\[link\\]\\(https" in notes[0]
    assert "[link](https" not in notes[0]
