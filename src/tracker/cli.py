"""The ``tracker`` command: batch work beside the dashboard, on the same store.

Every command honours ``TRACKER_DB_URL``. Commands are grouped by what they serve; each
one calls the same package functions the pages call, so the two stay in step.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from tracker import config
from tracker.present.text import hide_password
from tracker.store.database import open_store


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
    click.echo(f"{added} incidents added; the store holds {total} ({hide_password(store.url)}).")


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


@main.group()
def users() -> None:
    """Local accounts: who may upload, withdraw and manage (stored in the store, shared by
    every instance on it)."""


def _accounts():
    from tracker.access.accounts import Accounts

    return Accounts(open_store(seed=False))


def _account_change(change) -> None:
    """Run an account change; a refusal becomes a plain error message."""
    from tracker.access import roles

    try:
        change()
    except roles.AccountError as exc:
        raise click.ClickException(str(exc)) from exc


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["viewer", "researcher", "admin"]),
              help="viewer: sees; researcher: uploads, withdraws own; admin: manages all.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts).")
@click.option("--sso", is_flag=True,
              help="No password: the account signs in only by single sign-on (NAME = e-mail).")
def users_add(name: str, role: str, password_stdin: bool, sso: bool) -> None:
    """Create the account NAME with ROLE (asks for the password twice)."""
    if sso and password_stdin:
        raise click.UsageError("--sso accounts have no password; drop --password-stdin.")
    if sso:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Again")
    accounts = _accounts()
    added = []
    _account_change(lambda: added.append(accounts.add(name, role, password,
                                                      actor=_cli_actor())))
    click.echo(f"Account {added[0].name!r} added as {added[0].role} "
               f"({hide_password(accounts.store.url)}).")


@users.command("list")
def users_list() -> None:
    """List accounts: name, role, status, how they sign in (never passwords or hashes)."""
    table = _accounts().table()
    if table.empty:
        click.echo("No accounts yet: tracker users add NAME --role admin")
        return
    for row in table.itertuples():
        click.echo(f"{row.name:<30} {row.role:<11} {row.status:<9} {row.signs_in_with:<15} "
                   f"{row.open_sessions} sessions  created {row.created_at} by {row.created_by}")


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
def users_passwd(name: str, password_stdin: bool) -> None:
    """Set a new password for NAME; ends its open sessions and lifts its sign-in delays."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt="Again")
    _account_change(lambda: _accounts().reset_password(name, password, actor=_cli_actor()))
    click.echo(f"Password for {name.strip().lower()!r} changed; its open sessions ended.")


@users.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(["viewer", "researcher", "admin"]))
def users_role(name: str, role: str) -> None:
    """Give NAME another ROLE; ends its open sessions."""
    _account_change(lambda: _accounts().set_role(name, role, actor=_cli_actor()))
    click.echo(f"{name.strip().lower()!r} is now {role}; its open sessions ended.")


@users.command("disable")
@click.argument("name")
def users_disable(name: str) -> None:
    """Stop NAME from signing in and end its open sessions on every instance."""
    _account_change(lambda: _accounts().disable(name, actor=_cli_actor()))
    click.echo(f"{name.strip().lower()!r} disabled; its open sessions ended.")


@users.command("enable")
@click.argument("name")
def users_enable(name: str) -> None:
    """Let a disabled account sign in again."""
    _account_change(lambda: _accounts().enable(name, actor=_cli_actor()))
    click.echo(f"{name.strip().lower()!r} enabled.")


@users.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def users_remove(name: str, yes: bool) -> None:
    """Delete the account NAME (its batches and audit entries stay)."""
    if not yes:
        click.confirm(f"Remove the account {name.strip().lower()!r}?", abort=True)
    _account_change(lambda: _accounts().remove(name, actor=_cli_actor()))
    click.echo(f"{name.strip().lower()!r} removed; its open sessions ended.")


@users.command("unlock")
@click.argument("name", required=False)
@click.option("--address", help="Lift the delay on a client address instead (or as well).")
def users_unlock(name: str | None, address: str | None) -> None:
    """Lift the sign-in delay on NAME (or on --address): its failed sign-ins are forgotten."""
    if not name and not address:
        raise click.UsageError("Give a NAME, --address ADDRESS, or both.")
    gone: list[int] = []
    _account_change(lambda: gone.append(_accounts().lift(actor=_cli_actor(), name=name,
                                                         address=address)))
    click.echo(f"{gone[0]} failed sign-ins forgotten; the delay is lifted.")


@users.command("locks")
def users_locks() -> None:
    """Names and addresses whose next sign-in is delayed now."""
    table = _accounts().locks()
    if table.empty:
        click.echo("No sign-in is delayed.")
    for row in table.itertuples():
        click.echo(f"{row.name:<30} from {row.address:<20} {row.failures:>4} failures  "
                   f"waits {row.wait_seconds} s")


@main.group()
def batches() -> None:
    """Uploaded batches: list them, review, withdraw or restore (as an admin; audited)."""


def _batch_step(batch_id: str, action: str) -> None:
    from tracker.access import batch_actions, roles
    from tracker.store.database import StoreError

    store = open_store(seed=False)
    operator = roles.User(_cli_actor(), "admin")
    try:
        done = batch_actions.apply_batch_action(store, operator, batch_id, action)
    except (roles.PermissionDenied, StoreError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{done} {roles.audience(store.batch(batch_id) or {})}")


@batches.command("list")
def batches_list() -> None:
    """Every batch, newest first: status and who can see it."""
    from tracker.access import batch_actions

    frame = open_store(seed=False).batches()
    if frame.empty:
        click.echo("No batches yet.")
        return
    table = batch_actions.batch_table(frame)
    for row in table.itertuples():
        click.echo(f"{row.batch_id:<26} {row.status:<34} {row.accepted:>7} incidents  "
                   f"{row.uploaded_at}  {row.uploaded_by}  {row.file_name}")


@batches.command("review")
@click.argument("batch_id")
def batches_review(batch_id: str) -> None:
    """Mark BATCH_ID reviewed: unless sensitive, everyone then sees it."""
    _batch_step(batch_id, "review")


@batches.command("unreview")
@click.argument("batch_id")
def batches_unreview(batch_id: str) -> None:
    """Mark BATCH_ID not reviewed: the public stops seeing it."""
    _batch_step(batch_id, "unreview")


@batches.command("withdraw")
@click.argument("batch_id")
def batches_withdraw(batch_id: str) -> None:
    """Withdraw BATCH_ID: its incidents are hidden everywhere (kept, and restorable)."""
    _batch_step(batch_id, "withdraw")


@batches.command("restore")
@click.argument("batch_id")
def batches_restore(batch_id: str) -> None:
    """Show a withdrawn BATCH_ID again."""
    _batch_step(batch_id, "restore")


def _cli_actor() -> str:
    """Who ran an account command, for the audit log."""
    import getpass

    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):
        return "command line"


@main.command()
@click.option("--sql", "show_sql", is_flag=True,
              help="Print the SQL that builds the schema from nothing, for review; run nothing.")
@click.option("--new", "new_message", metavar="MESSAGE",
              help="Write a revision for tables changed in tracker.store.tables (for developers).")
def migrate(show_sql: bool, new_message: str | None) -> None:
    """Bring the store's tables to the newest schema (the app also does this on start)."""
    import tempfile

    from tracker.store import migrations
    from tracker.store.database import Store, make_engine

    url = config.db_url()
    if show_sql:
        click.echo(migrations.sql(url))
        return
    if new_message:
        with tempfile.TemporaryDirectory() as scratch:
            engine = make_engine(f"sqlite:///{scratch}/scratch.db")
            paths = migrations.new_revision(new_message, engine)
            engine.dispose()
        for path in paths:
            click.echo(f"Wrote {path}: read it before committing it.")
        return
    store = Store(url)
    outcome = migrations.upgrade(store.engine)
    where = hide_password(url)
    if outcome.stamped:
        click.echo(f"{where}: tables made before migrations; marked as revision "
                   f"{migrations.BASELINE}.")
    if outcome.changed:
        click.echo(f"{where}: schema {outcome.before or 'empty'} -> {outcome.after}.")
    else:
        click.echo(f"{where}: schema already at {outcome.after} (newest).")
    diffs = migrations.drift(store.engine)
    if diffs:
        raise click.ClickException(f"The tables still differ from the code: {diffs}")


@main.command("migrate-store")
@click.option("--from", "source", metavar="URL", default=None,
              help="The store to copy (default: TRACKER_DB_URL or the embedded SQLite file).")
@click.option("--to", "target", metavar="URL", required=True,
              help="The database to copy into, e.g. postgresql+psycopg://user@host/tracker.")
@click.option("--replace", is_flag=True,
              help="Empty the target first if it holds anything (otherwise it is refused).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def migrate_store(source: str | None, target: str, replace: bool, as_json: bool) -> None:
    """Copy every batch, incident and audit entry into another database, then compare.

    The copy is one transaction; afterwards row counts, a checksum of the incident ids and
    a digest of every row are compared on both sides. Exits 1 if anything differs.
    """
    import json

    from tracker.store.database import StoreError
    from tracker.store.transfer import move_store

    source = source or config.db_url()
    say = None if as_json else click.echo
    if say:
        say(f"Copying {hide_password(source)} -> {hide_password(target)}")
    try:
        report = move_store(source, target, replace=replace, progress=say)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        pairs = list(zip(report.source.rows(), report.target.rows(), strict=True))
        width = max(len(name) for (name, _), _ in pairs)
        cell = max(len(value) for (_, a), (_, b) in pairs for value in (a, b))
        click.echo(f"{'':{width}}  {'source':>{cell}}  {'target':>{cell}}")
        for (name, before), (_, after) in pairs:
            mark = "ok" if before == after else "DIFFERS"
            click.echo(f"{name:{width}}  {before:>{cell}}  {after:>{cell}}  {mark}")
        if report.matches:
            click.echo("Nothing lost: every count and checksum matches.")
    if not report.matches:
        raise click.ClickException("The target differs from the source (see above).")


@main.command("export-deck")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The PowerPoint file to write (.pptx).")
@click.option("--pdf", "pdf", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the same deck as a PDF.")
@click.option("--slides", "slides_file", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="Slide sequence (default: data/slides.yaml).")
@click.option("--briefing", "briefing_name", default=None, metavar="NAME",
              help="A briefing saved in the store (the Presenter page's Briefings menu).")
@click.option("--from-yaml", "briefing_file", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="A briefing written as YAML (region, period, slides).")
@click.option("--include-unreviewed", is_flag=True,
              help="Also show batches not yet reviewed and batches marked sensitive "
                   "(left out by default, as in presenter mode).")
@click.option("--as-of", "as_of_text", default=None, metavar="MOMENT",
              help="The data as it stood then (ISO 8601 UTC, e.g. 2026-02-24T10:00:00Z, or "
                   "a batch id), as a link's ?as_of= shows it.")
def export_deck(out: Path, pdf: Path | None, slides_file: Path | None,
                briefing_name: str | None, briefing_file: Path | None,
                include_unreviewed: bool, as_of_text: str | None) -> None:
    """Export the briefing sequence, a saved briefing or a briefing file as a PPTX deck
    (and a PDF), offline."""
    from tracker.analysis import asof
    from tracker.present import briefing, export, slides

    if out.suffix.lower() != ".pptx":
        raise click.BadParameter("the deck must be a .pptx file", param_hint="--out")
    if sum(x is not None for x in (slides_file, briefing_name, briefing_file)) > 1:
        raise click.UsageError("give one of --slides, --briefing and --from-yaml")
    chosen = None
    store = open_store()
    try:
        deck = slides.load_deck(slides_file)
        if briefing_file is not None:
            chosen = briefing.load_yaml(briefing_file)
        elif briefing_name is not None:
            chosen = briefing.load(briefing_name, store=store)
            if chosen is None:
                raise click.ClickException(f"no briefing is saved as {briefing_name!r}; "
                                           f"saved: {', '.join(briefing.names(store)) or 'none'}")
    except (slides.SlideConfigError, briefing.BriefingError) as exc:
        problems = "\n  ".join(exc.problems)
        raise click.ClickException(f"the slides are invalid:\n  {problems}") from None
    safe = not include_unreviewed
    moment = None
    if as_of_text is not None:
        committed = store.batch_moment(as_of_text.strip()[:64])
        moment, problem = asof.parse(as_of_text, batch_moments={as_of_text.strip(): committed}
                                     if committed else None)
        if problem:
            raise click.BadParameter(problem, param_hint="--as-of")
        deck = slides.with_as_of(deck, moment)
    incidents = store.load_incidents(reviewed_only=safe, include_sensitive=not safe,
                                     as_of=moment)
    if chosen is not None:  # the surge slide is found in the incidents shown
        deck = slides.with_as_of(chosen.to_deck(incidents), moment)
    try:
        result = export.export_deck(deck, incidents, out, pdf, safe=safe)
    except export.ExportError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        export.stop_session()
    written = ", ".join(str(p) for p in (result.pptx, result.pdf) if p)
    click.echo(f"Exported {result.slides} slides and a title slide from {len(incidents)} "
               f"incidents ({hide_password(store.url)}) to {written}.")
    click.echo(f"Time: {result.timings.describe()}.")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "file_format", default="auto", show_default=True,
              type=click.Choice(["auto", "canonical", "acled", "gtd", "ucdp"]),
              help="The file's format; auto recognises it by its columns.")
@click.option("--sheet", default=None, help="Workbook sheet to read (default: the first).")
@click.option("--mapping", "mapping_file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML or JSON file: 'columns' (file column: field) and 'values' "
                   "(field: {value as written: word on the list}); see docs/ingest.md.")
@click.option("--date-order", default="auto", show_default=True,
              type=click.Choice(["auto", "day-first", "month-first"]),
              help="How to read slash dates like 03/04/2025 (auto: day first unless the "
                   "file shows month first).")
@click.option("--accept-duplicates", default="", metavar="ROWS",
              help="Comma-separated rows of probable duplicates to take as new anyway.")
@click.option("--user", default=None, help="Who uploads (default: the command-line user).")
@click.option("--dry-run", is_flag=True, help="Report only; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def ingest(file: Path, file_format: str, sheet: str | None, mapping_file: Path | None,
           date_order: str, accept_duplicates: str, user: str | None, dry_run: bool,
           as_json: bool) -> None:
    """Check a researcher's file (CSV or .xlsx; canonical, ACLED, GTD or UCDP) and add it
    as one batch, not yet reviewed. Every row is reported: accepted, rejected with its
    reasons, a probable duplicate, or outside Pakistan."""
    from tracker.ingest import mappings
    from tracker.ingest import pipeline as pipeline
    from tracker.store.database import StoreError

    mapping = values = None
    if mapping_file is not None:
        try:
            mapping, values = mappings.read_mapping_spec(mapping_file)
        except (ValueError, OSError) as exc:
            raise click.BadParameter(str(exc), param_hint="--mapping") from None
        mapping = mapping or None
    try:
        accept = [int(r) for r in accept_duplicates.replace(" ", "").split(",") if r]
    except ValueError:
        raise click.BadParameter("give row numbers like 12,15",
                                 param_hint="--accept-duplicates") from None
    store = open_store()
    options = pipeline.IngestOptions(format=file_format, sheet=sheet, mapping=mapping,
                                     date_order=date_order, values=values or None)
    limits = pipeline.cli_limits()
    progress = _Progress()
    report = pipeline.ingest_file(file, store=store, options=options, limits=limits,
                                  progress=progress)
    if report.needs_mapping and mapping is None and report.saved_mapping:
        values = values or mappings.load_values(report.header, store=store)
        options = pipeline.IngestOptions(format="canonical", sheet=sheet,
                                         mapping=report.saved_mapping, date_order=date_order,
                                         values=values or None)
        report = pipeline.ingest_file(file, store=store, options=options, limits=limits,
                                      progress=progress)
        report.file_notes.insert(0, "Used the mapping saved earlier for files with this header.")
    failure = report.error or ("map the columns (--mapping)" if report.needs_mapping else None)
    if not dry_run and failure is None:
        try:
            pipeline.commit(report, store, user or _cli_actor(), accept_rows=accept,
                            progress=progress)
        except StoreError as exc:
            failure = str(exc)
        else:
            if mapping is not None or values:  # offered again for the same header
                try:
                    mappings.save(report.header, mapping or {}, store=store,
                                  values=values or None)
                    report.file_notes.append("The mapping was saved for files with the same "
                                             "columns.")
                except (OSError, ValueError) as exc:
                    report.file_notes.append(f"The mapping could not be saved ({exc}).")
            from tracker.access import roles

            report.file_notes.append(roles.audience(store.batch(report.batch_id) or {}))
    click.echo(pipeline.report_json(report) if as_json else pipeline.report_text(report))
    if dry_run and not as_json and failure is None:
        click.echo("Dry run: nothing was saved.")
    if failure:
        raise click.ClickException(f"nothing was saved: {failure}")


@main.command()
@click.option("--rows", required=True, type=click.IntRange(0, 20_000_000),
              help="Number of incidents to generate.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: .csv or .parquet.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Seed: the same seed gives the same file.")
def synth(rows: int, out: Path, seed: int) -> None:
    """Write SYNTHETIC incidents for load tests (every row labelled; never real data)."""
    from tracker.devtools import synth as generator

    if out.suffix.lower() not in (".csv", ".parquet"):
        raise click.BadParameter("use a .csv or .parquet file name", param_hint="--out")
    path = generator.write(generator.generate(rows, seed), out)
    click.echo(f"{rows:,} SYNTHETIC incidents (seed {seed}) written to {path}. They are not "
               "real; a store holding them shows a synthetic-data banner.")


@main.command()
@click.option("--rows", "sizes", default="10000,100000,1000000", show_default=True,
              help="Comma-separated sizes, e.g. 10000,100000.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--no-ingest", is_flag=True, help="Skip the (slow) upload pipeline timing.")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--markdown", "markdown_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the results as Markdown to this file.")
@click.option("--browser", "browser_rows", type=int, default=None, is_flag=False,
              flag_value=1_000_000, metavar="[ROWS]",
              help="Only time page loads in headless Chromium (navigation to the last chart "
                   "drawn; Overview, Balochistan, Surges), at 1,000,000 rows by default.")
@click.option("--store", "store_file", type=click.Path(exists=True, dir_okay=False,
                                                       path_type=Path),
              help="With --browser: time a copy of this SQLite store file instead of filling "
                   "a new one (the file itself is not opened by the app).")
def bench(sizes: str, as_json: bool, no_ingest: bool, seed: int,
          markdown_out: Path | None, browser_rows: int | None,
          store_file: Path | None) -> None:
    """Benchmark ingest, store load, Overview data and figures against raw baselines."""
    import json

    from tracker.devtools import bench as benchmark

    if browser_rows is not None:
        from tracker.devtools import bench_browser

        result = bench_browser.browser_run(
            browser_rows, seed=seed, store=store_file,
            progress=None if as_json else (lambda line: click.echo(line, err=True)))
        if as_json:
            click.echo(json.dumps(result))
            return
        click.echo(f"Navigation to the last chart drawn, {result['rows']:,} SYNTHETIC rows, "
                   f"median of {bench_browser.BROWSER_LOADS - 1} loads after the first, "
                   "each in a new browser profile:")
        for name, got in result["pages"].items():
            click.echo(f"  {name}: {got['median_s']:.2f} s (loads: {got['loads_s']})")
        click.echo("Each load with a filter no earlier load used (median of 5):")
        for name, got in result["pages"].items():
            click.echo(f"  {name}: {got['unseen_median_s']:.2f} s "
                       f"(loads: {got['unseen_loads_s']}; {', '.join(got['unseen_filters'])})")
        click.echo("Reloads in one browser profile, its cache warm (median of "
                   f"{bench_browser.BROWSER_LOADS - 1} after the first):")
        for name, got in result["pages"].items():
            click.echo(f"  {name}: {got['same_browser_median_s']:.2f} s "
                       f"(loads: {got['same_browser_loads_s']})")
        click.echo(f"Load average (1, 5, 15 min) at the start {result['load_average_start']}, "
                   f"at the end {result['load_average_end']}")
        return

    try:
        rows = [int(part.replace("_", "")) for part in sizes.split(",") if part.strip()]
    except ValueError as exc:
        raise click.BadParameter("whole numbers separated by commas",
                                 param_hint="--rows") from exc
    if not rows or min(rows) < 100:
        raise click.BadParameter("each size must be at least 100", param_hint="--rows")
    progress = None if as_json else (lambda line: click.echo(line, err=True))
    report = benchmark.run(rows, ingest=not no_ingest, seed=seed, progress=progress)
    if markdown_out is not None:
        markdown_out.write_text(benchmark.markdown(report), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(benchmark.machine_text(report))
    click.echo("")
    click.echo(benchmark.table_text(report))
    click.echo("")
    click.echo(benchmark.figures_text(report))
    click.echo("")
    click.echo(f"Targets, on the largest size ({max(rows):,} rows):")
    click.echo(benchmark.targets_text(report))


class _Progress:
    """Rows read, checked and saved, on stderr, once a second after the first two
    seconds: a long run is never silent, a short one prints nothing extra."""

    def __init__(self) -> None:
        import time

        self._clock = time.monotonic
        self._start = self._last = self._clock()

    def __call__(self, stage: str, rows: int) -> None:
        now = self._clock()
        if now - self._start < 2 or now - self._last < 1:
            return
        self._last = now
        click.echo(f"{stage} {rows:,} rows", err=True)


if __name__ == "__main__":
    main()
