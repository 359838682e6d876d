"""`freehold store upgrade`, `freehold import contacts|events FILE`, `freehold sample`.

Imports stream the file (CSV, JSON Lines, Parquet) or a SQL query through a column mapping into
the store in committed chunks, resume where an interrupted run of the same file stopped, and
write every bad row to a rejects report (file, row, field, reason; never a value).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from freehold.core.errors import ConfigError
from freehold.core.sample import SampleSpec, generate_sample, write_sample
from freehold.core.sources import (
    DEFAULT_CHUNK,
    ColumnMapping,
    ImportKind,
    ImportSummary,
    import_source,
    open_source,
)
from freehold.core.store import Store
from freehold.plugins._markers import hookimpl
from freehold.plugins.cli._app import AppContext, pass_app

__all__ = [
    "freehold_register_commands",
    "import_group",
    "sample_command",
    "store_group",
]

_STORE_OPTION = click.option(
    "--store",
    "store_url",
    metavar="URL",
    help="Store URL to use instead of the project file's `store`.",
)


@contextmanager
def _store(app: AppContext, url: str | None) -> Iterator[Store]:
    """The store named by `--store`, or the project's (kept open by the context)."""
    if url is None:
        yield app.store()
        return
    with Store.open(url) as store:
        yield store


@click.group("store")
def store_group() -> None:
    """Manage the first-party store."""


@store_group.command("upgrade")
@_STORE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_app
def upgrade_command(app: AppContext, *, store_url: str | None, as_json: bool) -> None:
    """Create the store, or bring it to the schema revision this freehold needs."""
    url = store_url or app.config().store
    revision = Store.upgrade(url)
    if as_json:
        app.emit_json({"before": revision.before, "after": revision.after})
    elif revision.changed:
        before = revision.before or "empty"
        app.console.print(f"Store upgraded: {before} → {revision.after}")
    else:
        app.console.print(f"Store already at revision {revision.after}")


def _parse_map(pairs: Sequence[str]) -> dict[str, str]:
    columns: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column or not target:
            msg = f"--map expects COLUMN=TARGET, got {pair!r}"
            raise click.BadParameter(msg, param_hint="--map")
        columns[column] = target
    return columns


def _mapping(
    app: AppContext, kind: ImportKind, name: str | None, pairs: Sequence[str], *, auto: bool
) -> ColumnMapping:
    columns: dict[str, str] = {}
    if name is not None:
        found = app.config().imports.get(name)
        if found is None:
            msg = f"no import mapping {name!r} in the project file (imports:)"
            raise ConfigError(msg)
        if found.kind.value != kind.value:
            msg = f"import mapping {name!r} is for {found.kind.value}, not {kind.value}"
            raise ConfigError(msg)
        columns.update(found.columns)
    columns.update(_parse_map(pairs))
    return ColumnMapping(kind, columns, auto=auto)


@contextmanager
def _progress(app: AppContext, label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    columns = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} rows"),
    ]
    with Progress(
        *columns,
        TimeElapsedColumn(),
        console=app.err_console,
        transient=True,
        disable=not app.err_console.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda rows: bar.update(task, completed=rows)


def _summary_table(summary: ImportSummary) -> Table:
    table = Table(title=f"Import of {summary.kind} from {summary.source}", show_header=False)
    table.add_column("what")
    table.add_column("rows", justify="right")
    if summary.resumed_from:
        table.add_row("resumed after (already committed)", f"{summary.resumed_from:,}")
    for name, count in summary.counts().items():
        table.add_row(name.replace("_", " "), f"{count:,}")
    for name, count in sorted(summary.unusable.items()):
        table.add_row(f"kept, {name} unusable", f"{count:,}")
    table.add_row("rows per second", f"{summary.rows_per_second:,.0f}")
    return table


@dataclass(frozen=True, slots=True)
class _ImportOptions:
    """The options of `freehold import contacts|events`, as click passes them."""

    pairs: tuple[str, ...]
    mapping_name: str | None
    auto: bool
    file_format: str | None
    query: str | None
    delimiter: str | None
    rejects: str | None
    chunk_size: int
    resume: bool
    label: str | None
    store_url: str | None
    as_json: bool
    route: bool = False


def _run_import(app: AppContext, kind: ImportKind, location: str, options: _ImportOptions) -> None:
    mapping = _mapping(app, kind, options.mapping_name, options.pairs, auto=options.auto)
    source = open_source(
        location, file_format=options.file_format, query=options.query, delimiter=options.delimiter
    )
    routes = None
    if options.route:
        routes = {name: list(route.to) for name, route in app.config().events.items()}
    with (
        _store(app, options.store_url) as store,
        _progress(app, f"importing {kind.value}", source.total_rows()) as progress,
    ):
        summary = import_source(
            store,
            source,
            mapping,
            label=options.label,
            chunk_size=options.chunk_size,
            rejects_path=Path(options.rejects) if options.rejects else None,
            resume=options.resume,
            destinations=routes,
            progress=progress,
        )
    if options.as_json:
        app.emit_json(summary.as_dict())
        return
    app.console.print(_summary_table(summary))
    if summary.ignored_columns:
        app.console.print(f"Columns not imported: {', '.join(summary.ignored_columns)}")
    if summary.rejects_path:
        app.console.print(f"Rejected rows are listed in {summary.rejects_path}")


def _import_options(command: Callable[..., None]) -> Callable[..., None]:
    decorators = [
        click.argument("location", metavar="FILE"),
        click.option(
            "--map",
            "pairs",
            multiple=True,
            metavar="COLUMN=TARGET",
            help="Map a file column to a target (repeatable); wins over --mapping.",
        ),
        click.option(
            "--mapping", "mapping_name", metavar="NAME", help="A named mapping from `imports:`."
        ),
        click.option(
            "--no-auto-map",
            "auto",
            flag_value=False,
            default=True,
            help="Only import mapped columns (by default a column named like a target maps).",
        ),
        click.option(
            "--format",
            "file_format",
            type=click.Choice(["csv", "jsonl", "parquet", "sql"]),
            help="File format (default: from the extension).",
        ),
        click.option(
            "--query", metavar="SQL", help="Read the result of this query; FILE is then a URL."
        ),
        click.option("--delimiter", metavar="CHAR", help="CSV delimiter (default ',')."),
        click.option(
            "--rejects",
            metavar="PATH",
            help="Where the rejects report goes (default: FILE.rejects.csv next to the file).",
        ),
        click.option(
            "--chunk-size",
            type=click.IntRange(min=1),
            default=DEFAULT_CHUNK,
            show_default=True,
            help="Rows per committed chunk.",
        ),
        click.option(
            "--no-resume",
            "resume",
            flag_value=False,
            default=True,
            help="Start from the first row even if an earlier run of this file was interrupted.",
        ),
        click.option(
            "--source", "label", metavar="NAME", help="Source name kept on consents and events."
        ),
        _STORE_OPTION,
        click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON."),
    ]
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


@click.group("import")
def import_group() -> None:
    """Import contacts or events from a file (CSV, JSON Lines, Parquet) or a SQL query."""


@import_group.command("contacts")
@_import_options
@pass_app
def import_contacts_command(app: AppContext, /, location: str, **options: Any) -> None:  # noqa: ANN401
    """Import contacts: identities are resolved, so re-importing the same people adds nobody.

    A row matches an existing contact by contact id, external id, normalized email, then
    normalized phone, and merges into it; bad rows go to the rejects report.
    """
    _run_import(app, ImportKind.CONTACTS, location, _ImportOptions(**options))


@import_group.command("events")
@_import_options
@click.option(
    "--route",
    is_flag=True,
    help="Queue new events for the destinations the project's `events:` routes name.",
)
@pass_app
def import_events_command(app: AppContext, /, location: str, **options: Any) -> None:  # noqa: ANN401
    """Import events: deduplicated by event_id, each person resolved (or created) by identity."""
    _run_import(app, ImportKind.EVENTS, location, _ImportOptions(**options))


@click.command("sample")
@click.option(
    "--contacts", type=click.IntRange(min=1), required=True, help="How many fictional people."
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Write files here.")
@click.option("--load", is_flag=True, help="Import the sample into the store.")
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same brand.")
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Last day of the two years of events (default: today).",
)
@click.option(
    "--events-per-contact",
    type=click.IntRange(min=0),
    help="At most this many events per person (0: none).",
)
@_STORE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@pass_app
def sample_command(
    app: AppContext,
    *,
    contacts: int,
    out: Path | None,
    load: bool,
    seed: int,
    until: dt.datetime | None,
    events_per_contact: int | None,
    store_url: str | None,
    as_json: bool,
) -> None:
    """Generate a deterministic, fictional brand: contacts.csv and events.jsonl.

    The people, identifiers (at reserved example domains), consents and two years of events
    are invented from the seed; no external data. Without --out or --load, files go to the
    current directory.
    """
    last_day = until.date() if until else dt.datetime.now(dt.UTC).date()
    spec = SampleSpec(contacts, seed, last_day, events_per_contact)
    report: dict[str, object] = {"seed": seed, "contacts": contacts, "until": str(last_day)}
    if out is not None or not load:
        files = write_sample(out or Path(), spec)
        report |= {
            "contacts_file": str(files.contacts_path),
            "contact_rows": files.contact_rows,
            "events_file": str(files.events_path) if files.events_path else None,
            "event_rows": files.event_rows,
        }
    if load:
        with _store(app, store_url) as store, _progress(app, "loading sample", None) as progress:
            loaded = generate_sample(
                store,
                contacts=contacts,
                seed=seed,
                until=last_day,
                events_per_contact=events_per_contact,
                progress=progress,
            )
        report["loaded_contacts"] = loaded.contacts.counts()
        report["loaded_events"] = loaded.events.counts() if loaded.events else None
    if as_json:
        app.emit_json(report)
        return
    if "contacts_file" in report:
        app.console.print(
            f"Wrote {report['contact_rows']:,} contact rows to {report['contacts_file']}"
            + (
                f" and {report['event_rows']:,} events to {report['events_file']}"
                if report["events_file"]
                else ""
            )
        )
    if load:
        app.console.print(f"Loaded into the store: {report['loaded_contacts']}")
        if report["loaded_events"]:
            app.console.print(f"Events: {report['loaded_events']}")


@hookimpl
def freehold_register_commands(cli: click.Group) -> None:
    """Add `freehold store`, `freehold import` and `freehold sample`."""
    cli.add_command(store_group)
    cli.add_command(import_group)
    cli.add_command(sample_command)
