"""Accepted rows of a big upload kept on disk, chunk by chunk, until the save.

A million-row file holds nearly a million accepted canonical rows; kept in memory until
the save, with the duplicate search beside them, they take most of the process's memory.
Staged instead, each checked chunk's rows go to an Arrow file in a temporary folder and only
the duplicate search's key columns stay in memory. The save reads the chunks back one at a
time inside its single transaction, so a failure or a kill still leaves nothing behind (the
folder is temporary and the store is written only by that transaction).

A kill (SIGKILL, the kernel's out-of-memory killer) leaves the folder behind, as no code runs
then. Its name carries the process id, ``tracker-ingest-<pid>-…``, so the next ingest removes
the folders of processes that no longer exist (:func:`remove_stale`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

STAGE_BYTES = 32 * 1024 * 1024
"""Files larger than this, read from disk, are staged (smaller ones stay in memory)."""

PREFIX = "tracker-ingest-"


def remove_stale(folder: str | Path | None = None) -> list[Path]:
    """Remove staging folders left by ingest processes that no longer run; return them.

    Looks in ``folder`` (the system's temporary folder by default) for
    ``tracker-ingest-<pid>-…`` folders whose process is gone. A folder of a running
    process, or one whose name holds no process id, is left alone (so is one whose id a
    new process took meanwhile, until that process ends).
    """
    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob(PREFIX + "*"):
        pid = path.name[len(PREFIX):].split("-", 1)[0]
        if pid.isdigit() and path.is_dir() and not _running(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class Staged:
    """Frames written to Arrow files, read back in the order written, less dropped rows.

    ``drop`` holds index labels (row numbers) left out when reading back, such as the rows
    held as probable duplicates. The folder is removed when the object is collected.
    """

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._dir, True)
        self._files: list[Path] = []
        self._rows = 0
        self.drop: frozenset[int] = frozenset()

    def add(self, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        table = pa.Table.from_pandas(frame, preserve_index=True)
        path = self._dir / f"part-{len(self._files):05d}.arrow"
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
            out.write_table(table)
        self._files.append(path)
        self._rows += len(frame)

    def _read(self, path: Path) -> pd.DataFrame:
        with pa.OSFile(str(path), "rb") as source:
            table = pa.ipc.open_file(source).read_all()
        return table.to_pandas()

    def frames(self, rows: set[int] | None = None) -> Iterator[pd.DataFrame]:
        """Each staged chunk less ``drop``; only ``rows`` of it when given."""
        for path in self._files:
            frame = self._read(path)
            keep = ~frame.index.isin(self.drop) if self.drop else None
            if rows is not None:
                wanted = frame.index.isin(rows)
                keep = wanted if keep is None else keep & wanted
            if keep is not None:
                frame = frame.loc[keep]
            if len(frame):
                yield frame

    def __iter__(self) -> Iterator[pd.DataFrame]:
        return self.frames()

    def __len__(self) -> int:
        """Rows that :meth:`frames` gives (the staged rows less the dropped ones)."""
        return self._rows - len(self.drop)

    def close(self) -> None:
        self._cleanup()


class Frames:
    """Several frames written as one batch (``len`` is their rows): what a save takes."""

    def __init__(self, *parts: pd.DataFrame | Staged) -> None:
        self.parts = parts

    def __iter__(self) -> Iterator[pd.DataFrame]:
        for part in self.parts:
            if isinstance(part, pd.DataFrame):
                if len(part):
                    yield part
            else:
                yield from part

    def __len__(self) -> int:
        return sum(len(p) for p in self.parts)
