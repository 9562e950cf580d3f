"""PostgreSQL for the tests: a fresh schema per test on the server in ``TRACKER_TEST_PG_URL``.

``python tasks.py test`` starts a throwaway server and sets the variable. Without it the
PostgreSQL cases are skipped with the reason, and the summary says they were not run; in CI
(``CI=true``) they fail instead, since there they must run.
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ENV = "TRACKER_TEST_PG_URL"
MARK = "postgres"
outcomes: Counter[str] = Counter()


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def server_url() -> str | None:
    return os.environ.get(ENV, "").strip() or None


def not_run_reason() -> str:
    return os.environ.get("TRACKER_TEST_PG_MISSING") or (
        f"{ENV} is not set (python tasks.py test starts a server for them)"
    )


def require_server() -> str:
    """The server's URL; skip the test (fail it in CI) when there is none."""
    url = server_url()
    if url:
        return url
    if in_ci():
        pytest.fail(f"PostgreSQL is required in CI and missing: {not_run_reason()}")
    pytest.skip(f"PostgreSQL tests not run: {not_run_reason()}")


@contextlib.contextmanager
def fresh_schema(base_url: str) -> Iterator[str]:
    """A new empty schema; yields a URL whose connections use it (dropped afterwards)."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = _admin(base_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    try:
        yield with_search_path(base_url, name)
    finally:
        with contextlib.suppress(sa.exc.DBAPIError), admin.begin() as conn:
            conn.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))


def with_search_path(base_url: str, schema: str) -> str:
    """``base_url`` with every connection's search_path set to ``schema``."""
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def where(url: str) -> str:
    """host:port/database of a URL, for messages (never the password)."""
    u = make_url(url)
    return f"{u.host}:{u.port or 5432}/{u.database}"


def record(report: pytest.TestReport) -> None:
    """Count the outcome of every PostgreSQL case (setup skips and errors included)."""
    if MARK not in report.keywords:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        outcomes["error" if report.when == "setup" and report.failed else report.outcome] += 1


def summary_line() -> str:
    ran = outcomes["passed"] + outcomes["failed"]
    parts = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items()) if n)
    url = server_url()
    if url and ran:
        return f"PostgreSQL: {ran} tests ran against {where(url)} ({parts})"
    if url:
        return f"PostgreSQL: server at {where(url)}, but no PostgreSQL test ran ({parts or 0})"
    return f"PostgreSQL tests NOT RUN ({parts or 'none selected'}): {not_run_reason()}"


@functools.cache
def _admin(base_url: str) -> sa.Engine:
    return sa.create_engine(base_url, poolclass=NullPool)
