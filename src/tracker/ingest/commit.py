"""Saving a checked upload as one batch, in one transaction.

The duplicate search runs again under the store's write lock when the store changed since
the preview, so two files saved at the same moment end as if saved one after the other.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from tracker.ingest import duplicates
from tracker.ingest.report import IngestReport, Progress, _duplicate_records
from tracker.ingest.staging import Frames
from tracker.store.database import BatchMeta, Store, StoreError


def _stored_keys(store: Store) -> tuple[pd.DataFrame, frozenset[str]]:
    batches = store.batches()
    hidden = frozenset(batches.loc[batches["withdrawn"].astype(bool), "batch_id"]) if len(
        batches) else frozenset()
    return store.incident_keys(), hidden


def _recheck(report: IngestReport, store: Store) -> None:
    """Find the duplicates again against the store as it is now; update the report."""
    staged = report.staged
    parts = [report.incidents, report.held]
    parts += [f[duplicates.KEY_COLUMNS] for f in staged.frames()] if staged is not None else []
    keys = pd.concat([p[duplicates.KEY_COLUMNS] for p in parts]).sort_index()
    del parts
    before = report.duplicates
    stored, hidden = _stored_keys(store)
    dups = duplicates.find(keys, stored, hidden)
    held_rows = set(dups["row"])
    mine = report.incidents.index.isin(held_rows)
    was = report.held.index.isin(held_rows)
    newly = list(staged.frames(held_rows)) if staged is not None else []
    report.held, report.incidents = (
        _joined([report.incidents.loc[mine], report.held.loc[was], *newly]),
        _joined([report.incidents.loc[~mine], report.held.loc[~was]]))
    if staged is not None:
        staged.drop = staged.drop | held_rows
    report.twin_inputs = (dups, stored)
    report.duplicate_of = _duplicate_records(dups)
    status = report.status
    status[status.eq("duplicate")] = "accepted"
    status[status.index.isin(held_rows) & status.eq("accepted")] = "duplicate"
    report.accepted = int(status.eq("accepted").sum())
    report.duplicates = int(status.eq("duplicate").sum())
    report.file_notes.append(
        f"Incidents were saved by someone else since this preview; checked again at save "
        f"time: {report.duplicates:,} probable duplicate(s), {before:,} in the preview.")


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames of rows joined in row order (empty ones left out: they carry no row name)."""
    full = [f for f in frames if len(f)]
    if not full:
        return frames[0].rename_axis("row")
    return (pd.concat(full) if len(full) > 1 else full[0]).sort_index()


def _accepted_count(report: IngestReport) -> int:
    return len(report.incidents) + (len(report.staged) if report.staged is not None else 0)


def commit(report: IngestReport, store: Store, user: str,
           accept_rows: Iterable[int] = (), progress: Progress | None = None) -> str:
    """Write the accepted rows (and any probable duplicates taken as new) as one batch.

    Parameters
    ----------
    report
        A report from :func:`ingest_bytes` against the same ``store``.
    store
        Where to write; one transaction (all rows and the audit line, or nothing).
    user
        Who uploads (recorded with the batch and in the audit log).
    accept_rows
        Row numbers of probable duplicates to take as new incidents anyway. Rows whose
        twin has the same incident id cannot be taken (ids are unique).
    progress
        Told ``("saved", rows)`` as rows are written.

    When the store changed since the preview, the duplicate search runs again inside the
    save's transaction, under the store's write lock: rows that now match a stored
    incident are held, the report says so, and the rest is saved. Two files saved at the
    same moment thus end as they would saved one after the other.

    Returns
    -------
    str
        The new batch id (also set on ``report.batch_id``).

    Raises
    ------
    StoreError
        When nothing can be written: a read error, an unmapped file, the same file
        uploaded before, no accepted row, or the store changed so that rows now match
        stored incidents.
    """
    if report.error:
        raise StoreError(report.error)
    if report.needs_mapping:
        raise StoreError("Map the file's columns first: nothing was saved.")
    if report.batch_id:
        raise StoreError(f"This report was already saved as batch {report.batch_id}.")
    if report.previous_batch:
        prev = report.previous_batch
        raise StoreError(
            f"This file was uploaded before (batch {prev['batch_id']}, "
            f"{prev.get('uploaded_at') or 'earlier'}); nothing was saved. "
            + ("Restore that batch instead." if prev.get("withdrawn") else "")
        )
    accept = {int(r) for r in accept_rows}
    takeable = {d["row"] for d in report.duplicate_of if not d["certain"]}
    refused = accept - takeable
    if refused:
        raise StoreError(
            "Only probable duplicates can be taken as new; these rows cannot: "
            + ", ".join(str(r) for r in sorted(refused))
        )
    if not _accepted_count(report) and not accept:
        raise StoreError("No row was accepted, so there is nothing to save.")

    def batch() -> tuple[pd.DataFrame, BatchMeta]:
        """What to write, decided under the store's write lock (see Store.add_batch)."""
        nonlocal accept
        if report.store_version is not None and store.version() != report.store_version:
            _recheck(report, store)
            still = {d["row"] for d in report.duplicate_of if not d["certain"]}
            accept &= still
            if not _accepted_count(report) and not accept:
                raise StoreError(
                    "The store changed since the preview and every accepted row now matches "
                    "a stored incident. Nothing was saved.")
        taken = report.held.loc[sorted(accept)] if accept else report.held.iloc[:0]
        frame = (Frames(report.staged, report.incidents, taken) if report.staged is not None
                 else pd.concat([report.incidents, taken]) if accept else report.incidents)
        counts = {**report.counts(), "accepted": report.accepted + len(accept),
                  "duplicates": report.duplicates - len(accept)}
        meta = BatchMeta(
            file_name=report.file_name[:500], uploaded_by=user,
            sha256=report.sha256 or None, format=report.format or "canonical",
            mapping=report.provenance(), counts=counts, reviewed=False,
        )
        return frame, meta

    batch_id = store.add_batch(report.incidents, BatchMeta(file_name="", uploaded_by=user),
                               check=batch,
                               saved=(lambda n: progress("saved", n)) if progress else None)
    report.batch_id = batch_id
    if accept:
        report.status[report.status.index.isin(accept)] = "accepted"
        report.accepted += len(accept)
        report.duplicates -= len(accept)
    report.check_adds_up()
    return batch_id
