"""Which batches a reader sees: the one rule every read path of the incident table applies.

The store reads incidents three ways (SQLAlchemy, the columnar SQLite reader, PostgreSQL's
``COPY``); all three take their batches from :func:`tracker.store.database.visible_batches`, which
applies a :class:`Visibility` to the batches' states (live, or as of a moment), so that a
change to the publication rule is made here once.

The publication rule itself (:data:`PUBLIC`): signed-out visitors and viewers see only
batches that are live, reviewed and not sensitive. Researchers and admins see every live
batch (:data:`EVERYTHING`), with the unpublished part labelled on the page.
"""

from __future__ import annotations

from dataclasses import dataclass


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
