"""The brief library: bundled briefs (``data/briefs/``) and briefs added through the app (kept
in the store, ``added_briefs``), merged on load and re-read only when one changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tracker import config
from tracker.briefs.model import Brief, BriefError, parse_brief


def bundled_dir() -> Path:
    return config.data_dir() / "briefs"


@dataclass(frozen=True)
class Library:
    """All loaded briefs, plus the files that could not be loaded (never fatal)."""

    briefs: tuple[Brief, ...]
    problems: tuple[str, ...] = ()

    def brief(self, brief_id: str) -> Brief | None:
        return next((b for b in self.briefs if b.id == brief_id), None)


def _signature(folders: Iterable[Path]) -> tuple:
    files = []
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.glob("*.y*ml")):
                try:
                    stat = path.stat()
                except OSError:
                    continue
                files.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(files)


def _added_signature(store: Any | None) -> tuple[str | None, tuple, str | None]:
    """(store URL, (brief id, sha256) of each added brief, problem) — cheap to ask often."""
    from tracker.store.database import shared_store
    from tracker.store.tables import added_briefs

    try:
        store = store or shared_store()
        with store.engine.connect() as conn:
            rows = conn.execute(sa.select(added_briefs.c.brief_id, added_briefs.c.sha256)
                                .order_by(added_briefs.c.brief_id)).all()
    except Exception as exc:  # a store that cannot be read leaves the bundled briefs
        return None, (), f"added briefs: the store cannot be read ({str(exc)[:160]})"
    return store.url, tuple((r.brief_id, r.sha256) for r in rows), None


def load_library(store: Any | None = None) -> Library:
    """Bundled briefs (files) and briefs added through the app (in the store), merged;
    re-read only when a file or an added brief changes."""
    folders = (bundled_dir(),)
    url, added, problem = _added_signature(store)
    library = _load(folders, _signature(folders), url, added)
    if problem:
        library = Library(library.briefs, (*library.problems, problem))
    return library


@lru_cache(maxsize=8)
def _load(folders: tuple[Path, ...], signature: tuple, url: str | None = None,
          added: tuple = ()) -> Library:
    briefs: dict[str, Brief] = {}
    problems: list[str] = []
    sources: list[tuple[str, Any, str]] = [(Path(p).name, Path(p), "bundled")
                                           for p, _, _ in signature]
    if added:
        from tracker.store.database import shared_store
        from tracker.store.tables import added_briefs

        with shared_store(url).engine.connect() as conn:
            rows = conn.execute(sa.select(added_briefs.c.brief_id, added_briefs.c.content)
                                .order_by(added_briefs.c.brief_id)).all()
        sources += [(f"added brief {r.brief_id}", bytes(r.content), "added") for r in rows]
    for label, body, source in sources:
        try:
            raw = body.read_bytes() if isinstance(body, Path) else body
            brief = parse_brief(raw, source=source)
        except BriefError as exc:
            problems.append(f"{label}: {'; '.join(exc.problems[:5])}")
            continue
        except OSError as exc:
            problems.append(f"{label}: cannot be read ({exc.strerror})")
            continue
        if brief.id in briefs:
            problems.append(f"{label}: a brief with id {brief.id!r} is already loaded")
            continue
        briefs[brief.id] = brief
    return Library(tuple(briefs.values()), tuple(problems))


def add_brief(raw: bytes, *, actor: str, store: Any | None = None) -> Brief:
    """Validate an uploaded brief, keep it in the store and record it in the audit log.

    Raises :class:`BriefError` when the file is invalid or its id is already taken. The
    file is stored byte for byte, in the same transaction as its audit entry; the next
    :func:`load_library` on any instance picks it up.
    """
    from tracker.store.database import now, shared_store, write_audit
    from tracker.store.tables import added_briefs

    brief = parse_brief(raw, source="added")
    store = store or shared_store()
    if load_library(store).brief(brief.id) is not None:
        raise BriefError([f"id: a brief with id {brief.id!r} already exists; choose another id"])
    digest = hashlib.sha256(raw).hexdigest()
    try:
        with store.engine.begin() as conn:
            conn.execute(added_briefs.insert().values(
                brief_id=brief.id, content=raw, sha256=digest, added_by=actor, added_at=now()))
            write_audit(conn, actor, "brief added", brief.id,
                        f"{brief.short_citation}: {len(brief.takeaways)} takeaways; "
                        f"sha256 {digest}")
    except sa.exc.IntegrityError as exc:
        raise BriefError([f"id: a brief with id {brief.id!r} already exists; "
                          "choose another id"]) from exc
    return brief.model_copy(update={"source": "added"})
