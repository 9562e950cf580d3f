"""Two app processes on one PostgreSQL store: a batch added through one shows in the other.

Each process runs the real app (AppTest) with the same ``TRACKER_DB_URL``. The app caches
the incident table per store version (the newest audit id), so the other process must see
the new batch on its next rerun without a restart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from tests.app.conftest import APP, ROOT, run_page

OTHER_INSTANCE = textwrap.dedent(
    """
    import json, sys
    import pandas as pd
    from streamlit.testing.v1 import AppTest
    from tracker import schema
    from tracker.store.database import BatchMeta
    from tracker.ui import data

    def incidents(at):
        return {m.label: m.value for m in at.metric}["Incidents"]

    at = AppTest.from_file(sys.argv[1], default_timeout=90)
    at.run()
    before = incidents(at)
    rows = [{
        "incident_id": f"other-instance-{i}", "date": "2025-03-16", "date_precision": "day",
        "province": "Balochistan", "district": "Quetta", "geo_precision": "district",
        "latitude": 30.18, "longitude": 67.0, "attack_type": "bombing", "target": "police",
        "perpetrator": "Unknown", "claimed": "unknown", "killed": 1, "injured": None,
        "source_name": "Test (synthetic)", "source_url": "https://example.org/synthetic",
        "batch_id": "x",
    } for i in range(2)]
    frame = schema.conform(pd.DataFrame(rows))
    data.store().add_batch(frame, BatchMeta("other.csv", "other instance", sha256="other",
                                            reviewed=True))  # published: everyone sees it
    at.run()
    print(json.dumps({"before": before, "after": incidents(at)}))
    """
)


def _incidents(at) -> str:
    return {m.label: m.value for m in at.metric}["Incidents"]


def test_a_batch_added_in_one_app_process_shows_in_the_other_after_a_rerun(
        pg_url, tmp_path, monkeypatch, bundled):
    env_vars = {"TRACKER_DB_URL": pg_url, "TRACKER_STATE_DIR": str(tmp_path / "state")}
    for name, value in env_vars.items():
        monkeypatch.setenv(name, value)
    here = run_page()
    assert not here.exception
    assert _incidents(here) == f"{len(bundled):,}"

    other = subprocess.run(
        [sys.executable, "-c", OTHER_INSTANCE, APP], cwd=ROOT, capture_output=True, text=True,
        timeout=300, env={**os.environ, **env_vars},
    )
    assert other.returncode == 0, other.stderr[-3000:]
    seen_there = json.loads(other.stdout.strip().splitlines()[-1])
    assert seen_there == {"before": f"{len(bundled):,}", "after": f"{len(bundled) + 2:,}"}

    here.run()
    assert not here.exception
    assert _incidents(here) == f"{len(bundled) + 2:,}"
