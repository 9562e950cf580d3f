"""Killing a process while it writes to the store, for the no-partial-batch tests."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest


def kill_while_writing(proc: subprocess.Popen, wal: Path, start_size: int, grow: int,
                       timeout: float, what: str) -> None:
    """Wait until the SQLite write-ahead log has grown by ``grow`` bytes (the transaction is
    writing pages), then kill ``proc`` with SIGKILL; fail if ``what`` ends or never starts."""
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if wal.exists() and wal.stat().st_size > start_size + grow:
                break
            assert proc.poll() is None, f"the {what} finished before it could be interrupted"
            time.sleep(0.01)
        else:
            pytest.fail(f"the {what} never started writing")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
