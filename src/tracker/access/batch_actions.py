"""Guarded batch actions: withdraw, restore, review, mark sensitive, upload, replace.

Each function checks the role itself: a page that forgot to hide a button still cannot let
a researcher withdraw someone else's batch. Every change is written to the audit log by the
store, in the change's own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from tracker.access.roles import PermissionDenied, User, audience, can, clip, require, seen_by
from tracker.store.database import Store, StoreError

# --- guarded batch actions ---------------------------------------------------------------


def can_withdraw(user: User | None, batch: Mapping[str, Any]) -> bool:
    """Admins may withdraw any batch; researchers only a batch they uploaded."""
    if can(user, "withdraw_any"):
        return True
    return can(user, "withdraw_own") and batch.get("uploaded_by") == user.name  # type: ignore[union-attr]


def can_restore(user: User | None, batch: Mapping[str, Any]) -> bool:
    """Admins may restore any batch; researchers a batch they uploaded (withdrawing is an
    undo)."""
    if can(user, "restore"):
        return True
    return can(user, "restore_own") and batch.get("uploaded_by") == user.name  # type: ignore[union-attr]


def batch_actions(user: User | None, batch: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The actions ``user`` may take on ``batch`` now, as ``(action, button label)``."""
    out: list[tuple[str, str]] = []
    if batch["withdrawn"]:
        if can_restore(user, batch):
            out.append(("restore", "Restore"))
    elif can_withdraw(user, batch):
        out.append(("withdraw", "Withdraw"))
    if can(user, "review"):
        out.append(("unreview", "Mark not reviewed") if batch["reviewed"]
                   else ("review", "Mark reviewed"))
    if can(user, "mark_sensitive"):
        out.append(("not_sensitive", "Mark not sensitive") if batch["sensitive"]
                   else ("sensitive", "Mark sensitive"))
    return out


def withdraw_batch(store: Store, user: User | None, batch_id: str) -> None:
    """Withdraw (hide) a batch, if ``user`` may; recorded in the audit log."""
    batch = _own_batch(store, user, batch_id, "withdraw_own", can_withdraw, "withdraw")
    if batch["withdrawn"]:
        raise StoreError(f"{batch_id} is already withdrawn.")
    store.set_withdrawn(batch_id, True, actor=user.name)  # type: ignore[union-attr]


def restore_batch(store: Store, user: User | None, batch_id: str) -> None:
    """Show a withdrawn batch again, if ``user`` uploaded it or is an admin; audited.

    Refused while another live batch holds one of its incident ids (see
    :meth:`tracker.store.database.Store.set_withdrawn`).
    """
    batch = _own_batch(store, user, batch_id, "restore_own", can_restore, "restore")
    if not batch["withdrawn"]:
        raise StoreError(f"{batch_id} is not withdrawn.")
    store.set_withdrawn(batch_id, False, actor=user.name)  # type: ignore[union-attr]


def set_reviewed(store: Store, user: User | None, batch_id: str, reviewed: bool = True) -> None:
    """Mark a batch reviewed or not (admins only); recorded in the audit log."""
    _existing_batch(store, batch_id)
    require(user, "review")
    store.mark_reviewed(batch_id, actor=user.name, reviewed=reviewed)  # type: ignore[union-attr]


def set_sensitive(store: Store, user: User | None, batch_id: str, sensitive: bool = True) -> None:
    """Mark a batch sensitive or not (admins only); recorded in the audit log."""
    _existing_batch(store, batch_id)
    require(user, "mark_sensitive")
    store.mark_sensitive(batch_id, actor=user.name, sensitive=sensitive)  # type: ignore[union-attr]


def apply_batch_action(store: Store, user: User | None, batch_id: str, action: str) -> str:
    """Run one action from :func:`batch_actions`; return a sentence saying what was done."""
    steps = {
        "withdraw": (lambda: withdraw_batch(store, user, batch_id), "withdrawn"),
        "restore": (lambda: restore_batch(store, user, batch_id), "restored"),
        "review": (lambda: set_reviewed(store, user, batch_id, True), "marked reviewed"),
        "unreview": (lambda: set_reviewed(store, user, batch_id, False), "marked not reviewed"),
        "sensitive": (lambda: set_sensitive(store, user, batch_id, True), "marked sensitive"),
        "not_sensitive": (lambda: set_sensitive(store, user, batch_id, False),
                          "marked not sensitive"),
    }
    if action not in steps:
        raise PermissionDenied(f"Unknown batch action {clip(action)!r}.")
    run, done = steps[action]
    run()
    return f"Batch {batch_id} {done}. {audience(store.batch(batch_id) or {})}"


def commit_upload(report: Any, store: Store, user: User | None,
                  accept_rows: Any = ()) -> str:
    """Save a previewed upload as a batch, if ``user`` may upload (see ``ingest.commit``)."""
    from tracker.ingest import pipeline as ingest

    require(user, "upload")
    return ingest.commit(report, store, user.name, accept_rows=accept_rows)  # type: ignore[union-attr]


def replace_batch(report: Any, store: Store, user: User | None, batch_id: str,
                  accept_rows: Any = ()) -> str:
    """Withdraw ``batch_id`` and save a corrected file in its place, in one transaction.

    ``report`` must be a preview made against ``store.replacing(batch_id)``, so that the
    old batch's rows were not taken for twins. Allowed to whoever may withdraw the old
    batch (its uploader, or an admin); the audit log records both steps. Returns the new
    batch id.
    """
    from tracker.ingest import pipeline as ingest

    old = _own_batch(store, user, batch_id, "upload", can_withdraw, "replace")
    if old["withdrawn"]:
        raise StoreError(f"{batch_id} is withdrawn already; upload the corrected file as a "
                         "new batch.")
    return ingest.commit(report, store.replacing(batch_id), user.name,  # type: ignore[union-attr]
                         accept_rows=accept_rows)


def add_brief(raw: bytes, store: Store, user: User | None) -> Any:
    """Add an uploaded brief, if ``user`` may manage briefs (see ``loading.add_brief``)."""
    from tracker.briefs import loading

    require(user, "manage_briefs")
    return loading.add_brief(raw, actor=user.name, store=store)  # type: ignore[union-attr]


def visible_batches(store: Store, user: User | None) -> pd.DataFrame:
    """The batches ``user`` manages: every batch for admins, their own for researchers."""
    require(user, "see_batches")
    frame = store.batches()
    if not can(user, "withdraw_any"):
        frame = frame.loc[frame["uploaded_by"] == user.name]  # type: ignore[union-attr]
    return frame.reset_index(drop=True)


def batch_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Batches for display: one status word, counts, who and when (plain text)."""
    if frame.empty:
        return pd.DataFrame(columns=["batch_id", "file_name", "uploaded_by", "uploaded_at",
                                     "status", "seen_by", "accepted", "rejected",
                                     "duplicates"])
    status = frame["withdrawn"].map({True: "withdrawn", False: "live"})
    status = status + frame["reviewed"].map({True: ", reviewed", False: ", not reviewed"})
    status = status + frame["sensitive"].map({True: ", sensitive", False: ""})
    return pd.DataFrame({
        "batch_id": frame["batch_id"],
        "file_name": frame["file_name"],
        "uploaded_by": frame["uploaded_by"],
        "uploaded_at": pd.to_datetime(frame["uploaded_at"]).dt.strftime("%Y-%m-%d %H:%M"),
        "status": status,
        "seen_by": [seen_by(row) for row in frame.to_dict("records")],
        "accepted": frame["accepted"],
        "rejected": frame["rejected"],
        "duplicates": frame["duplicates"],
    })


def _own_batch(store: Store, user: User | None, batch_id: str, permission: str,
               allowed: Callable[[User | None, Mapping[str, Any]], bool],
               verb: str) -> dict[str, Any]:
    """The batch, if it exists, ``user`` holds ``permission`` and ``allowed`` lets them
    act on this batch (their own, or any for an admin); else the refusal in words."""
    batch = _existing_batch(store, batch_id)
    require(user, permission)
    if not allowed(user, batch):
        raise PermissionDenied(f"{batch_id} was uploaded by someone else; only its uploader "
                               f"or an admin can {verb} it.")
    return batch


def _existing_batch(store: Store, batch_id: str) -> dict[str, Any]:
    batch = store.batch(batch_id)
    if batch is None:
        raise StoreError(f"There is no batch {clip(batch_id)!r}.")
    return batch
