"""Replacing a batch with a corrected file: chosen on Batches, done through the Upload page.

The Upload page's whole check (mapping, rejections, duplicates) applies to the corrected
file; the duplicate search treats the old batch as withdrawn, and saving withdraws it and
writes the new batch in one transaction (:func:`tracker.access.batch_actions.replace_batch`).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from tracker.access import batch_actions
from tracker.access.roles import User
from tracker.present import safety
from tracker.store.database import Store
from tracker.ui import data

REPLACES = "upload_replaces"
"""Session key: the id of the batch the next upload replaces."""


def start(batch_id: str) -> None:
    """Open the Upload page to replace ``batch_id`` (from the Batches page)."""
    st.session_state[REPLACES] = batch_id
    st.session_state.pop("upload_report", None)  # a preview made for a plain upload
    st.switch_page("pages/upload.py")


def target(user: User | None) -> dict[str, Any] | None:
    """The live batch this session is replacing, if ``user`` may replace it; else None."""
    batch_id = st.session_state.get(REPLACES)
    if not batch_id:
        return None
    batch = data.store().batch(batch_id)
    if batch is None or batch["withdrawn"] or not batch_actions.can_withdraw(user, batch):
        st.session_state.pop(REPLACES, None)
        return None
    return batch


def notice(user: User | None) -> None:
    """Say which batch the upload replaces, with a way back to a plain upload."""
    batch = target(user)
    if batch is None:
        return
    st.info(f"Replacing batch {batch['batch_id']} "
            f"({safety.escape_markdown(str(batch['file_name']))}). Saving the corrected file "
            "withdraws that batch and saves the new one in one step; its rows are not taken "
            "for duplicates.", icon=":material/find_replace:")
    if st.button("Upload as a new batch instead", key="upload_replace_cancel"):
        st.session_state.pop(REPLACES, None)
        st.session_state.pop("upload_report", None)
        st.rerun()


def replacing_id() -> str | None:
    """The batch id being replaced (after :func:`target` checked it), or None."""
    return st.session_state.get(REPLACES)


def store() -> Store:
    """The store the preview compares with: the old batch counts as withdrawn when
    replacing."""
    batch_id = replacing_id()
    return data.store().replacing(batch_id) if batch_id else data.store()


def save(report: Any, user: User | None, accept: set[int]) -> str:
    """Save the previewed file: a replacement when one was chosen, else a new batch."""
    batch_id = replacing_id()
    if batch_id:
        new = batch_actions.replace_batch(report, data.store(), user, batch_id,
                                          accept_rows=accept)
        st.session_state.pop(REPLACES, None)
        st.session_state["upload_replaced"] = (new, batch_id)
        return new
    return batch_actions.commit_upload(report, data.store(), user, accept_rows=accept)


def saved_note(new_batch: str) -> str:
    """" It replaces batch …, now withdrawn." after a replacement, else nothing."""
    done = st.session_state.get("upload_replaced")
    if done and done[0] == new_batch:
        return f" It replaces batch {done[1]}, now withdrawn (the audit log has both steps)."
    return ""
