"""The one-time move of state files from the state folder into the store.

Before accounts, sign-in counts, column mappings and added briefs lived in the store, each
instance kept them as files in its ``TRACKER_STATE_DIR``: ``accounts.json``,
``login-attempts.json``, ``mappings/*.json`` and ``briefs/*.yaml``. :func:`import_once` runs
whenever an instance opens the store: it copies whatever of these it finds (an account or a
mapping already in the store is kept as it is there), then renames each file or folder with
an ``.imported`` suffix so that it is not read again. Nothing is deleted. A file that cannot
be read is renamed ``.unreadable`` and reported in the audit log, never fatal; the failed
sign-in counts are not carried over (they are only minutes long).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from tracker import config
from tracker.store import tables as t


class Store(Protocol):
    """What the import needs of :class:`tracker.store.database.Store` (which calls this
    module, so it is not imported back)."""

    engine: sa.engine.Engine

    def record(self, actor: str, action: str, target: str | None = None,
               detail: str | None = None) -> None: ...

ACTOR = "state folder import"


def import_once(store: Store, folder: Path | None = None) -> list[str]:
    """Copy legacy state files from ``folder`` (the state folder) into ``store``.

    Returns one line per thing imported or refused (empty when there was nothing to do).
    """
    folder = Path(folder) if folder is not None else config.state_dir()
    done: list[str] = []
    steps = (("accounts.json", _accounts), ("mappings", _mappings), ("briefs", _briefs),
             ("login-attempts.json", None))
    for name, step in steps:
        path = folder / name
        if not path.exists():
            continue
        try:
            line = step(store, path) if step else "failed sign-in counts dropped"
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            line = f"{name} could not be read ({str(exc)[:200]}); kept as {name}.unreadable"
            _rename(path, ".unreadable")
            store.record(ACTOR, "state import failed", name, line)
            done.append(line)
            continue
        _rename(path, ".imported")
        store.record(ACTOR, "state imported", name, line)
        done.append(line)
    return done


def _accounts(store: Store, path: Path) -> str:
    data = json.loads(path.read_text(encoding="utf-8"))
    records = data["accounts"]
    added, kept = [], []
    with store.engine.begin() as conn:
        present = set(conn.execute(sa.select(t.accounts.c.name)).scalars())
        for name, rec in records.items():
            if name in present:
                kept.append(name)
                continue
            conn.execute(t.accounts.insert().values(
                name=str(name), role=str(rec["role"]), password_hash=rec.get("password_hash"),
                disabled=bool(rec.get("disabled", False)),
                created_at=_stamp(rec.get("created_at")) or now(),
                created_by=str(rec.get("created_by") or ACTOR),
                password_changed_at=_stamp(rec.get("password_changed_at"))))
            added.append(name)
    line = f"{len(added)} accounts imported"
    if kept:
        line += f"; {len(kept)} already in the store kept as they are ({', '.join(kept[:10])})"
    return line


def _mappings(store: Store, folder: Path) -> str:
    count = 0
    with store.engine.begin() as conn:
        present = set(conn.execute(sa.select(t.column_mappings.c.signature)).scalars())
        for path in sorted(folder.glob("*.json")):
            try:
                body = json.loads(path.read_text(encoding="utf-8"))
                header, mapping = list(body["header"]), dict(body["mapping"])
            except (OSError, ValueError, KeyError, TypeError):
                continue  # an unreadable saved mapping is only a lost suggestion
            if path.stem in present:
                continue
            conn.execute(t.column_mappings.insert().values(
                signature=path.stem, header=json.dumps(header, ensure_ascii=False),
                mapping=json.dumps(mapping, ensure_ascii=False), saved_at=now()))
            count += 1
    return f"{count} saved column mappings imported"


def _briefs(store: Store, folder: Path) -> str:
    from tracker.briefs import model

    count, refused = 0, []
    for path in sorted(folder.glob("*.y*ml")):
        raw = path.read_bytes()
        try:
            brief = model.parse_brief(raw, source="added")
        except model.BriefError:
            refused.append(path.name)
            continue
        with store.engine.begin() as conn:
            if conn.execute(sa.select(t.added_briefs.c.brief_id)
                            .where(t.added_briefs.c.brief_id == brief.id)).first():
                continue
            conn.execute(t.added_briefs.insert().values(
                brief_id=brief.id, content=raw, sha256=hashlib.sha256(raw).hexdigest(),
                added_by=ACTOR, added_at=now()))
        count += 1
    line = f"{count} added briefs imported"
    if refused:
        line += f"; {len(refused)} invalid left out ({', '.join(refused[:5])})"
    return line


def _stamp(text: Any) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.strptime(str(text), "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def _rename(path: Path, suffix: str) -> None:
    target = path.with_name(path.name + suffix)
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}{suffix}.{n}")
    with contextlib.suppress(FileNotFoundError):  # another instance moved it first
        path.rename(target)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
