"""Which batches a reader sees: the one rule every read path of the incident table applies.

The store reads incidents several ways (SQLAlchemy, the columnar SQLite reader, PostgreSQL's
``COPY``, the keys the duplicate search compares an upload with); all of them take their
batches from one SQL clause, :func:`visible_batch_ids`, which applies a :class:`Visibility`
to the batches' states (live, or as of a moment), so that a change to the publication rule
is made here once.

The publication rule itself (:data:`PUBLIC`): signed-out visitors and viewers see only
batches that are live, reviewed and not sensitive. Researchers and admins see every live
batch (:data:`EVERYTHING`), with the unpublished part labelled on the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from tracker.store.tables import batch_events, batches


@dataclass(frozen=True)
class Visibility:
    """Which batches' incidents a read includes."""

    include_withdrawn: bool = False
    reviewed_only: bool = False
    include_sensitive: bool = True

    def conditions(self, batch) -> list:
        """The rule as SQLAlchemy conditions on a batch table's (or states') columns."""
        parts = []
        if not self.include_withdrawn:
            parts.append(batch.withdrawn.is_(False))
        if self.reviewed_only:
            parts.append(batch.reviewed.is_(True))
        if not self.include_sensitive:
            parts.append(batch.sensitive.is_(False))
        return parts

    @property
    def published_only(self) -> bool:
        """True when only what may be shown to anyone is included."""
        return self.reviewed_only and not self.include_sensitive and not self.include_withdrawn


PUBLIC = Visibility(reviewed_only=True, include_sensitive=False)
"""What signed-out visitors and viewers see: reviewed, non-sensitive, live batches."""

EVERYTHING = Visibility()
"""What researchers and admins see: every live batch."""


def batch_states(as_of: dt.datetime | None = None) -> sa.FromClause:
    """(batch_id, withdrawn, reviewed, sensitive) of every batch, live or as at ``as_of``.

    Live, that is the batches table. At a past moment it is each batch's newest state
    recorded at or before it; a batch committed later has no such state, so it is absent.
    """
    if as_of is None:
        return batches
    ev = batch_events
    latest = (sa.select(sa.func.max(ev.c.id)).where(ev.c.at <= as_of)
              .group_by(ev.c.batch_id))
    return (sa.select(ev.c.batch_id, ev.c.withdrawn, ev.c.reviewed, ev.c.sensitive)
            .where(ev.c.id.in_(latest)).subquery("states"))


def visible_batch_ids(rule: Visibility = EVERYTHING,
                      as_of: dt.datetime | None = None) -> sa.Select:
    """The ids of the batches a reader sees under ``rule``, live or as at ``as_of``: the one
    clause every read path of the incident table filters by."""
    states = batch_states(as_of)
    return sa.select(states.c.batch_id).where(*rule.conditions(states.c))
