"""The ``tracker`` command: batch work beside the dashboard, on the same store.

Every command honours ``TRACKER_DB_URL``. Commands are grouped by what they serve; each
one calls the same package functions the pages call, so the two stay in step.
"""

from __future__ import annotations

import os
import subprocess
import sys

import click

from tracker import config
from tracker.store import open_store


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pakistan-incident-tracker")
def main() -> None:
    """Pakistan incident tracker: seed, serve, ingest, export and benchmark."""


@main.command()
def seed() -> None:
    """Create the store if needed and load the bundled real incidents (idempotent)."""
    store = open_store(seed=False)
    added = store.seed()
    total = store.count_incidents()
    click.echo(f"{added} incidents added; the store holds {total} ({_safe_url(store.url)}).")


@main.command()
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535))
@click.option("--address", default="localhost", show_default=True)
def serve(port: int, address: str) -> None:
    """Run the dashboard (seeds the store on first start)."""
    open_store()
    app = config.PROJECT_ROOT / "app.py"
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(port), "--server.address", address,
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]
    click.echo(f"Dashboard at http://{address}:{port}  (Ctrl+C to stop)")
    raise SystemExit(subprocess.call(cmd, cwd=config.PROJECT_ROOT, env=os.environ.copy()))


def _safe_url(url: str) -> str:
    """The store URL with any password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    main()
