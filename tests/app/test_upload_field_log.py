"""The 30-row field log of issue 22 through the Upload page (AppTest): the columns are
suggested from their names and cells, the target wordings are mapped by suggestion, the
Kandahar row counts as outside Pakistan and the bad rows are rejected in the file's own
words. The log is synthetic (tests/field_log.py)."""

from __future__ import annotations

import json

from tests import field_log
from tracker.ingest import mappings
from tracker.store.database import Store

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _table(at, *columns: str):
    for frame in at.dataframe:
        if set(columns) <= set(frame.value.columns):
            return frame.value
    raise AssertionError(f"no table with columns {columns}")


def test_the_field_log_uploads_in_one_pass_once_its_values_are_mapped(upload_page, app_store):
    at = upload_page()
    at.get("file_uploader")[0].set_value(("field-log.xlsx", field_log.workbook_bytes(),
                                          XLSX)).run()
    assert not at.exception, at.exception

    # Column step: Source (links) goes to source_url with no manual change; S.No (serial
    # numbers) is the one column without a suggestion, so it comes first.
    assert [s.value for s in at.subheader] == ["Map the columns"]
    columns = _table(at, "column", "example", "field")
    assert columns["column"].iloc[0] == "S.No" and columns["field"].iloc[0] == "(not used)"
    at.button(key="upload_mapping_apply").click().run()
    assert not at.exception, at.exception
    header = field_log.HEADER
    saved = mappings.load(header, store=Store(app_store))
    assert saved is not None and saved["Source"] == "source_url"
    assert "S.No" not in saved and saved["Deaths"] == "killed"

    # Value step: the three target wordings, four rows each, suggested and not yet applied.
    assert "Map the values" in [s.value for s in at.subheader]
    before = _metrics(at)
    assert before["Rejected"] == str(2 + field_log.FIELD_TARGET_ROWS)
    assert before["Outside Pakistan"] == "1"
    assert any(f"row {field_log.KANDAHAR_ROW}, Kandahar (Afghanistan)."
               in c.value.replace("\\", "") for c in at.caption)  # shown escaped
    targets = _table(at, "value", "rows", "map to")
    assert targets.to_dict("records") == [
        {"value": "FC convoy", "rows": 4, "map to": "security forces",
         "suggested because": "a common wording in field logs"},
        {"value": "Govt official", "rows": 4, "map to": "government officials",
         "suggested because": "a common wording in field logs"},
        {"value": "Passengers", "rows": 4, "map to": "civilians",
         "suggested because": "a common wording in field logs"},
    ]
    at.button(key="upload_values_apply").click().run()
    assert not at.exception, at.exception

    assert _metrics(at) == {"Rows": "30", "Accepted": "27", "Rejected": "2",
                            "Probable duplicates": "0", "Outside Pakistan": "1"}
    rejected = _table(at, "row", "column", "reason")
    assert rejected[["row", "column", "reason"]].to_dict("records") == [
        {"row": field_log.MISSING_DATE_ROW, "column": "Date", "reason": "is required but empty"},
        {"row": field_log.NEGATIVE_ROW, "column": "Deaths", "reason": "must not be negative"},
    ]
    assert rejected["value"].iloc[1] == "-2"
    # the Outside Pakistan tab says which row and why
    outside = next(f.value for f in at.dataframe if list(f.value.columns) == ["row", "reason"])
    assert outside.to_dict("records") == [{
        "row": field_log.KANDAHAR_ROW,
        "reason": "it names Kandahar (Afghanistan), across the border, and has no coordinates"}]
    assert "Outside Pakistan (1)" in [t.label for t in at.tabs]
    internal = {"geo_precision", "date_precision", "province", "source_name", "incident_id"}
    assert not internal & set(rejected["column"])
    assert mappings.load_values(header, store=Store(app_store)) == {"target": {
        "FC convoy": "security forces", "Govt official": "government officials",
        "Passengers": "civilians"}}

    at.button(key="upload_commit").click().run()
    assert not at.exception, at.exception
    store = Store(app_store)
    batches = store.batches()
    batch = batches[batches["file_name"] == "field-log.xlsx"].iloc[0]
    provenance = store.batch(batch["batch_id"])["mapping"]
    provenance = json.loads(provenance) if isinstance(provenance, str) else provenance
    assert provenance["value_mapping"]["target"]["FC convoy"] == "security forces"
    saved_rows = store.load_incidents()
    mine = saved_rows[saved_rows["batch_id"] == batch["batch_id"]]
    assert len(mine) == 27
    assert set(mine["target"]) <= {"security forces", "government officials", "civilians",
                                   "police"}
    assert mine["source_url"].str.startswith("https://www.example.org/").all()


def test_a_second_file_with_the_same_columns_reuses_the_values(upload_page, app_store):
    store = Store(app_store)
    mapping = {c: f for c, f in mappings.suggest(field_log.HEADER).items() if f}
    mapping["Source"] = "source_url"
    mappings.save(field_log.HEADER, mapping, store=store,
                  values={"target": {"FC convoy": "security forces",
                                     "Govt official": "government officials",
                                     "Passengers": "civilians"}})
    at = upload_page()
    at.get("file_uploader")[0].set_value(("again.xlsx", field_log.workbook_bytes(),
                                          XLSX)).run()
    at.button(key="upload_mapping_apply").click().run()
    assert not at.exception, at.exception
    assert _metrics(at)["Accepted"] == "27"
    assert _metrics(at)["Rejected"] == "2"


def test_the_value_step_shows_file_text_inertly(upload_page, app_store):
    column = "**Tgt** [x](https://evil.invalid/a)"
    header = ["Date", "District", "Attack", column, "Source"]
    rows = [["16/03/2025", "Bannu", "IED blast", "<b>FC convoy</b> [y](https://evil.invalid)",
             "https://www.example.org/news/1"]]
    text = "\n".join(",".join(f'"{c}"' for c in r) for r in [header, *rows]).encode()
    mappings.save(header, {"Date": "date", "District": "district", "Attack": "attack_type",
                           column: "target", "Source": "source_url"}, store=Store(app_store))
    at = upload_page()
    at.get("file_uploader")[0].set_value(("hostile.csv", text, "text/csv")).run()
    at.button(key="upload_mapping_apply").click().run()
    assert not at.exception, at.exception
    values = _table(at, "value", "rows", "map to")
    assert values["value"].tolist() == ["<b>FC convoy</b> [y](https://evil.invalid)"]
    line = next(m.value for m in at.markdown if "your column" in m.value)
    assert "[x](" not in line and "**Tgt**" not in line  # escaped, shown as typed
    assert "\\*\\*Tgt\\*\\*" in line
