"""`freehold demo`: the whole loop on embedded defaults, with no credentials.

It creates a temporary project (SQLite store, every demo destination on its connector's bundled
emulator), generates the sample brand, computes the audiences, prints the plan, syncs and
prints the report. The destinations are data (`DEMO_DESTINATIONS`): each connector issue adds
its platform there; a destination whose connector is not installed is left out. The email role
is played by Mailchimp unless `--email` picks another connector of `EMAIL_DESTINATIONS`.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import yaml
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from freehold.core.errors import ConfigError
from freehold.core.sample import SampleLoad, generate_sample
from freehold.core.sync import PlanOptions
from freehold.plugins._markers import hookimpl
from freehold.plugins.cli._app import AppContext, ExitCode
from freehold.plugins.cli.commands.sync import (
    build_engine,
    compute_audiences,
    plan_notes,
    plan_tables,
    run_sync,
    sync_targets,
)

__all__ = [
    "DEFAULT_EMAIL",
    "DEMO_AUDIENCES",
    "DEMO_DESTINATIONS",
    "EMAIL_DESTINATIONS",
    "DemoDestination",
    "demo_command",
    "demo_config",
    "freehold_register_commands",
]

DEFAULT_CONTACTS = 5_000
_STORE_FILE = "demo.db"
EVENTS_PER_CONTACT = 6
"""Enough history for behaviour audiences, little enough to keep the demo well under a minute."""


@dataclass(frozen=True, slots=True)
class DemoDestination:
    """One destination of the demo project: a role played by a connector on its emulator.

    Attributes:
        role: the destination name (`social_ads`, `email`).
        connector: the connector's name; the destination is left out when it is not installed.
        audiences: the demo audiences synced to it.
        settings: more destination keys (`double_opt_in`, `fields`, connector settings).
    """

    role: str
    connector: str
    audiences: tuple[str, ...]
    settings: Mapping[str, Any] = field(default_factory=dict)


EMAIL_DESTINATIONS: dict[str, DemoDestination] = {
    "mailchimp": DemoDestination(
        "email", "mailchimp", ("newsletter",), {"fields": {"first_name": "FNAME"}}
    ),
    "klaviyo": DemoDestination(
        "email", "klaviyo", ("newsletter",), {"fields": {"first_name": "first_name"}}
    ),
}
"""The connectors that can play the demo's email role (`freehold demo --email NAME`)."""

DEFAULT_EMAIL = "mailchimp"
"""The connector playing the email role when `--email` is not given."""

DEMO_DESTINATIONS: tuple[DemoDestination, ...] = (
    DemoDestination("social_ads", "meta", ("customers", "recent_buyers")),
    EMAIL_DESTINATIONS[DEFAULT_EMAIL],
)
"""The demo's destinations, in order; a connector issue adds its platform here."""

DEMO_AUDIENCES: dict[str, dict[str, Any]] = {
    "customers": {
        "description": "Everyone who bought: customers, fans and ambassadors.",
        "where": {"lifecycle": ["customer", "fan", "ambassador"]},
        "mode": "mirror",
    },
    "recent_buyers": {
        "description": "Bought in the last year.",
        "where": {"behaviour": [{"did": "purchase", "within_days": 365}]},
    },
    "newsletter": {
        "description": "Everyone who may receive email marketing.",
        "where": {"consent": ["email_marketing"]},
        "mode": "mirror",
    },
}
"""The demo's audiences, over the sample brand."""


@hookimpl
def freehold_register_commands(cli: click.Group) -> None:
    """Add `freehold demo`."""
    cli.add_command(demo_command)


def demo_config(
    installed: Sequence[str],
    *,
    store: str = f"sqlite:///{_STORE_FILE}",
    email: str = DEFAULT_EMAIL,
) -> dict[str, Any]:
    """Return the demo project file (as data) for the installed connector names.

    `email` names the connector playing the email role (a key of `EMAIL_DESTINATIONS`).

    Raises:
        ConfigError: `email` is unknown, or chosen but not installed; or none of the demo
            connectors is installed.
    """
    if email not in EMAIL_DESTINATIONS:
        known = ", ".join(sorted(EMAIL_DESTINATIONS))
        msg = f"the demo's email role is played by one of: {known}; not {email!r}"
        raise ConfigError(msg)
    if email != DEFAULT_EMAIL and email not in installed:
        msg = f"the demo's email role needs the {email} connector installed"
        raise ConfigError(msg)
    roles = [EMAIL_DESTINATIONS[email] if d.role == "email" else d for d in DEMO_DESTINATIONS]
    chosen = [d for d in roles if d.connector in installed]
    if not chosen:
        wanted = ", ".join(sorted({d.connector for d in DEMO_DESTINATIONS}))
        msg = f"the demo needs one of these connectors installed: {wanted}"
        raise ConfigError(msg)
    destinations = {
        d.role: {"connector": d.connector, "emulate": True, **d.settings} for d in chosen
    }
    audiences: dict[str, dict[str, Any]] = {}
    for key, definition in DEMO_AUDIENCES.items():
        to = [d.role for d in chosen if key in d.audiences]
        if to:
            audiences[key] = {**definition, "to": to}
    return {"store": store, "destinations": destinations, "audiences": audiences}


@contextmanager
def _project(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        # The emulators start empty: a store left by an earlier demo would disagree with them.
        for leftover in keep.glob(f"{_STORE_FILE}*"):
            leftover.unlink()
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="freehold-demo-") as folder:
        yield Path(folder)


@click.command("demo")
@click.option(
    "--contacts",
    type=click.IntRange(min=10),
    default=DEFAULT_CONTACTS,
    show_default=True,
    help="How many sample people to generate.",
)
@click.option(
    "--email",
    type=click.Choice(sorted(EMAIL_DESTINATIONS)),
    default=DEFAULT_EMAIL,
    show_default=True,
    help="The connector that plays the email destination, on its emulator.",
)
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    help="Build the demo project in this folder and keep it (default: a temporary folder).",
)
@click.pass_context
def demo_command(ctx: click.Context, *, contacts: int, email: str, keep: Path | None) -> None:
    """Run the whole loop on a sample brand, with bundled emulators and no credentials.

    Creates a project (SQLite store, destinations on emulators), generates sample people and
    events, computes the audiences, prints the plan, syncs, and prints the report. The email
    destination is Mailchimp's emulator; `--email klaviyo` makes it Klaviyo's.
    """
    app = ctx.find_object(AppContext)
    if app is None:  # pragma: no cover - the freehold group always sets it
        msg = "no application context"
        raise click.UsageError(msg)
    with _project(keep) as folder:
        config_path = folder / "freehold.yaml"
        project = demo_config(sorted(app.connector_classes()), email=email)
        config_path.write_text(yaml.safe_dump(project, sort_keys=False), encoding="utf-8")
        demo = AppContext(
            plugins=app.plugins,
            config_path=config_path,
            debug=app.debug,
            verbose=app.verbose,
            console=app.console,
            err_console=app.err_console,
        )
        try:
            ok = _run(demo, contacts=contacts)
        finally:
            demo.close()
        if keep is not None:
            app.console.print(
                f"Demo project kept in {folder} (try: freehold --config {config_path} runs)"
            )
    if not ok:
        ctx.exit(ExitCode.JOB_FAILED)


def _run(app: AppContext, *, contacts: int) -> bool:
    console = app.console
    destinations = ", ".join(
        f"{name} ({settings.connector}, emulated)"
        for name, settings in app.config().destinations.items()
    )
    console.print(f"[bold]freehold demo[/]: {contacts:,} sample people → {destinations}")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=app.err_console,
        transient=True,
        disable=not app.err_console.is_terminal,
    ) as bar:
        task = bar.add_task("sample data", total=None)
        loaded = generate_sample(
            app.store(),
            contacts=contacts,
            until=dt.datetime.now(dt.UTC).date(),
            events_per_contact=EVENTS_PER_CONTACT,
            progress=lambda rows: bar.update(task, completed=rows),
        )
    console.print(f"Imported the sample brand: {_loaded(loaded)}")
    targets = sync_targets(app, None, None)
    compute_audiences(app, targets)
    options = PlanOptions(max_removal_share=app.config().sync.max_removal_share)
    plans = build_engine(app).plan(targets, options=options)
    try:
        console.print(*plan_tables(console, plans))
        for line in plan_notes(plans):
            console.print(line)
    finally:
        for plan in plans:
            plan.close()
    report = run_sync(app, targets, options=options)
    verdict = "every row has an outcome" if report.ok else "some rows failed (see above)"
    console.print(f"Done: {verdict}. Nothing left this machine: the vendors were emulators.")
    return report.ok


def _loaded(loaded: SampleLoad) -> str:
    text = f"{loaded.contacts.new + loaded.contacts.merged:,} contacts"
    if loaded.events is not None:
        text += f", {loaded.events.inserted:,} events"
    return text
