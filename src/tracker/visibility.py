"""Which batches a reader sees: the one rule every read path of the incident table applies.

The store reads incidents three ways (SQLAlchemy, the columnar SQLite reader, PostgreSQL's
``COPY``); all three ask a :class:`Visibility` which batches to include, so that a change to
the publication rule is made here once.

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

    def shows(self, withdrawn: bool, reviewed: bool, sensitive: bool) -> bool:
        """Whether a batch with these flags is included (for readers that filter in Python)."""
        return ((self.include_withdrawn or not withdrawn)
                and (not self.reviewed_only or bool(reviewed))
                and (self.include_sensitive or not sensitive))

    def sql(self, alias: str = "b") -> str:
        """The same rule as a SQL condition on the ``batches`` table (``TRUE`` when none)."""
        parts = []
        if not self.include_withdrawn:
            parts.append(f"NOT {alias}.withdrawn")
        if self.reviewed_only:
            parts.append(f"{alias}.reviewed")
        if not self.include_sensitive:
            parts.append(f"NOT {alias}.sensitive")
        return " AND ".join(parts) or "TRUE"

    @property
    def published_only(self) -> bool:
        """True when only what may be shown to anyone is included."""
        return self.reviewed_only and not self.include_sensitive and not self.include_withdrawn


PUBLIC = Visibility(reviewed_only=True, include_sensitive=False)
"""What signed-out visitors and viewers see: reviewed, non-sensitive, live batches."""

EVERYTHING = Visibility()
"""What researchers and admins see: every live batch."""
