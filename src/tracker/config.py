"""Settings, read from environment variables in one place.

``TRACKER_DB_URL`` chooses the store (a SQLAlchemy URL). Without it the store is an
embedded SQLite file in the state folder (``TRACKER_STATE_DIR``, default ``.state/`` in the
project), which version control ignores.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """Folder holding the bundled data (``TRACKER_DATA_DIR`` overrides it)."""
    return Path(os.environ.get("TRACKER_DATA_DIR", PROJECT_ROOT / "data"))


def state_dir() -> Path:
    """Folder for the embedded SQLite store and caches (not versioned); all other state,
    accounts included, is in the store."""
    path = Path(os.environ.get("TRACKER_STATE_DIR", PROJECT_ROOT / ".state"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_url() -> str:
    """The store's SQLAlchemy URL: ``TRACKER_DB_URL`` or the embedded SQLite file."""
    url = os.environ.get("TRACKER_DB_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{(state_dir() / 'tracker.db').as_posix()}"


def number_env(name: str, default: float, *, whole: bool = False, low: float = 0,
               high: float | None = None) -> float:
    """A number from the environment, or ``default`` when unset; a value that is not a
    number, or not above ``low`` and at most ``high``, is an error that names the setting."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError as exc:
        kind = "a whole number" if whole else "a number"
        raise ValueError(f"{name} must be {kind}, got {raw!r}") from exc
    if value <= low or (high is not None and value > high):
        rule = "positive" if low == 0 and high is None else f"in ({low:g}, {high:g}]"
        raise ValueError(f"{name} must be {rule}, got {value}")
    return value


def _int_env(name: str, default: int) -> int:
    return int(number_env(name, default, whole=True))


@dataclass(frozen=True)
class Limits:
    """Upload limits; each has an environment variable so a deployment can change it."""

    max_upload_mb: int
    max_rows: int
    max_columns: int
    max_cell_chars: int


def limits() -> Limits:
    return Limits(
        max_upload_mb=_int_env("TRACKER_MAX_UPLOAD_MB", 50),
        max_rows=_int_env("TRACKER_MAX_ROWS", 1_000_000),
        max_columns=_int_env("TRACKER_MAX_COLUMNS", 500),
        max_cell_chars=_int_env("TRACKER_MAX_CELL_CHARS", 20_000),
    )


def online_basemap() -> bool:
    """An online tile basemap is opt-in (``TRACKER_ONLINE_BASEMAP=1``); offline by default."""
    return os.environ.get("TRACKER_ONLINE_BASEMAP", "").strip().lower() in {"1", "true", "yes"}
