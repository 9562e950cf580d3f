"""A stand-in for the running dashboard, for tests that need one in its own process.

It opens the store the way the app does (``tracker.ui.data``:
:func:`tracker.store.database.open_store`,
then the full incident read, which takes the columnar fast path on a SQLite file), keeps
the store and its pooled connection open, and then obeys one command per line on stdin:

- ``save PATH``: runs the upload pipeline on the file and saves it as the upload page does
  (``batch_actions.commit_upload`` as a researcher); answers ``{"batch_id", "accepted"}``;
- ``count``: answers ``{"count"}`` read through the app's own store;
- ``quit``: ends.

Every answer is one JSON line on stdout. The first line, once the store is open and read,
is ``{"pid", "loaded"}``. Run it as ``python -m tests.hostile.app_holder``; the store is
the configured one (``TRACKER_DB_URL``, ``TRACKER_STATE_DIR``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    import os

    from tracker.access import batch_actions, roles
    from tracker.ingest import pipeline as ingest
    from tracker.store.database import open_store

    store = open_store()
    frame = store.load_incidents()
    _answer({"pid": os.getpid(), "loaded": len(frame)})
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "save":
            path = Path(arg)
            report = ingest.ingest_bytes(path.read_bytes(), path.name, store=store)
            user = roles.User("ayesha", "researcher")
            batch_id = batch_actions.commit_upload(report, store, user)
            _answer({"batch_id": batch_id, "accepted": report.accepted})
        elif command == "count":
            _answer({"count": store.count_incidents(), "loaded": len(store.load_incidents())})
        elif command == "quit":
            break


def _answer(value: dict) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
