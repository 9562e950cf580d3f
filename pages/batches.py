"""Batches: researchers withdraw, restore and replace their own uploads; admins manage every
batch."""

import streamlit as st

from tracker.access import batch_actions, roles
from tracker.store.database import StoreError
from tracker.ui import auth as auth_ui
from tracker.ui import data, layout, replace

layout.start_page()  # before anything draws (a link may be a fresh server's first)

st.title("Batches")
user = auth_ui.require_role("researcher", "see and withdraw your uploads")
auth_ui.show_flash()
store = data.store()
frame = batch_actions.visible_batches(store, user)
if roles.can(user, "withdraw_any"):
    st.caption("Every upload. Withdrawing hides a batch's incidents everywhere; restoring shows "
               "them again; a corrected file can replace a batch in one step. Signed-out "
               "visitors and viewers see a batch only once it is reviewed and not sensitive. "
               "Every change is recorded in the audit log.")
else:
    st.caption("Your uploads. Withdrawing hides a batch's incidents everywhere and restoring "
               "shows them again; a corrected file can replace a batch in one step. Signed-out "
               "visitors and viewers see a batch only once an admin has reviewed it. Every "
               "change is recorded in the audit log.")
if frame.empty:
    st.info("No batches yet. Uploaded files appear here.", icon=":material/inventory_2:")
    st.stop()

st.dataframe(
    batch_actions.batch_table(frame),
    hide_index=True,
    width="stretch",
    key="batches_table",
    column_config={
        "batch_id": st.column_config.TextColumn("Batch"),
        "file_name": st.column_config.TextColumn("File"),
        "uploaded_by": st.column_config.TextColumn("Uploaded by"),
        "uploaded_at": st.column_config.TextColumn("Uploaded (UTC)"),
        "status": st.column_config.TextColumn("Status"),
        "seen_by": st.column_config.TextColumn("Seen by"),
        "accepted": st.column_config.NumberColumn("Accepted"),
        "rejected": st.column_config.NumberColumn("Rejected"),
        "duplicates": st.column_config.NumberColumn("Duplicates"),
    },
)

labels = dict(zip(frame["batch_id"], frame["batch_id"] + " · " + frame["file_name"], strict=True))
chosen = st.selectbox("Batch", list(labels), format_func=labels.get, key="batches_choice")
batch = store.batch(chosen)
actions = batch_actions.batch_actions(user, batch)
st.caption(roles.audience(batch))
if not actions:
    st.caption("Nothing you can change on this batch.")
for column, (action, label) in zip(st.columns(max(len(actions), 4)), actions, strict=False):
    if column.button(label, key=f"batches_{action}", width="stretch"):
        try:
            auth_ui.flash(batch_actions.apply_batch_action(store, user, chosen, action))
        except (roles.PermissionDenied, StoreError) as exc:
            st.error(str(exc), icon=":material/error:")
        else:
            st.rerun()
replaceable = not batch["withdrawn"] and batch_actions.can_withdraw(user, batch)
if replaceable and st.button(
        "Replace with a corrected file", key="batches_replace", icon=":material/find_replace:",
        help="Check a corrected file on the Upload page; saving it withdraws this batch and "
             "saves the new one in one step."):
    replace.start(chosen)
