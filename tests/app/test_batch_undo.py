"""The Batches page as an undo, through the real pages: a researcher restores their own
batch, and replaces one with a corrected file in one step (SYNTHETIC rows)."""

from __future__ import annotations

from tests.app.test_access import full_runs, people, signed_in  # noqa: F401  (fixtures)
from tests.hostile import files
from tracker.store.database import Store


def test_a_researcher_withdraws_and_restores_their_own_batch(people):  # noqa: F811
    at = signed_in("ayesha", page="pages/batches.py")
    at.button(key="batches_withdraw").click().run()
    assert not at.exception
    store = Store(people["url"])
    assert store.batch(people["ayesha"])["withdrawn"] is True
    at.button(key="batches_restore").click().run()
    assert not at.exception
    assert store.batch(people["ayesha"])["withdrawn"] is False
    assert any(s.value.startswith(f"Batch {people['ayesha']} restored. Only signed-in")
               for s in at.success)
    actions = store.audit_log().query("target == @people['ayesha']")["action"].tolist()
    assert actions[:2] == ["restore", "withdraw"]


def test_a_researcher_replaces_a_batch_with_a_corrected_file(people):  # noqa: F811
    at = signed_in("ayesha", page="pages/batches.py")
    assert not at.exception
    at.button(key="batches_replace").click().run()
    assert not at.exception
    at.switch_page("pages/upload.py").run()  # AppTest keeps its own page between runs
    assert any("Replacing batch " + people["ayesha"] in i.value for i in at.info)
    data = files.to_csv(files.district_rows(3))
    at.file_uploader(key="upload_file").set_value(("ayesha-fixed.csv", data, "text/csv")).run()
    assert not at.exception
    button = at.button(key="upload_commit")
    assert button.label == f"Replace batch {people['ayesha']} with these 3 incidents"
    button.click().run()
    assert not at.exception
    store = Store(people["url"])
    assert store.batch(people["ayesha"])["withdrawn"] is True
    new = store.batches().query("file_name == 'ayesha-fixed.csv'").iloc[0]
    assert (new["uploaded_by"], new["accepted"], bool(new["withdrawn"])) == ("ayesha", 3, False)
    saved = [s.value for s in at.success]
    assert any(f"replaces batch {people['ayesha']}, now withdrawn" in s
               and "Only signed-in researchers and admins see it" in s for s in saved), saved


def test_another_researcher_has_no_replace_button(people):  # noqa: F811
    at = signed_in("bilal", page="pages/batches.py")
    assert at.selectbox(key="batches_choice").value == people["bilal"]
    assert at.button(key="batches_replace")  # their own batch
    assert Store(people["url"]).batch(people["ayesha"])["uploaded_by"] == "ayesha"
    assert people["ayesha"] not in at.selectbox(key="batches_choice").options
