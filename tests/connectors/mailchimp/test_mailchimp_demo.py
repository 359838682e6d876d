"""`freehold demo` plays the email role on the Mailchimp emulator, consent first."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from freehold.core.store import Store
from freehold.core.store.schema import consent_current, ledger
from freehold.plugins._builtins import BUILTIN_PLUGINS
from freehold.plugins.cli._main import create_cli
from freehold.plugins.cli.commands.demo import DEMO_DESTINATIONS
from freehold.plugins.manager import FreeholdPluginManager


def test_the_demo_email_role_is_mailchimp():
    (email,) = [d for d in DEMO_DESTINATIONS if d.role == "email"]
    assert email.connector == "mailchimp"


def test_the_demo_syncs_only_consented_people_to_mailchimp(tmp_path: Path):
    plugins = FreeholdPluginManager()
    wanted = ("freehold.connectors.mailchimp", "freehold.plugins.cli.commands.demo")
    plugins.load(builtins=tuple(dict.fromkeys((*BUILTIN_PLUGINS, *wanted))))
    folder = tmp_path / "demo"
    result = CliRunner().invoke(
        create_cli(plugins=plugins), ["demo", "--contacts", "200", "--keep", str(folder)]
    )
    assert result.exit_code == 0, result.output
    assert "email (mailchimp, emulated)" in result.output
    (store_file,) = folder.glob("*.db")
    with (
        Store.open(f"sqlite:///{store_file}", create=False) as store,
        store.engine.connect() as conn,
    ):
        held = conn.execute(
            select(func.count()).select_from(ledger).where(ledger.c.destination == "email")
        ).scalar_one()
        unconsented = conn.execute(
            select(func.count())
            .select_from(ledger)
            .outerjoin(
                consent_current,
                (consent_current.c.contact_pk == ledger.c.contact_pk)
                & (consent_current.c.purpose == "email_marketing"),
            )
            .where(
                ledger.c.destination == "email",
                func.coalesce(consent_current.c.state, "unknown") != "granted",
            )
        ).scalar_one()
    assert held > 0
    assert unconsented == 0
