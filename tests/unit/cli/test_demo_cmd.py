"""`freehold demo --email`: which connector plays the email destination, end to end on Klaviyo."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import func, select

from freehold.core.errors import ConfigError
from freehold.core.store import Store
from freehold.core.store.schema import consent_current, ledger
from freehold.plugins._builtins import BUILTIN_PLUGINS
from freehold.plugins.cli._main import create_cli
from freehold.plugins.cli.commands.demo import DEFAULT_EMAIL, demo_command, demo_config
from freehold.plugins.manager import FreeholdPluginManager

DOCS = Path(__file__).resolve().parents[3] / "docs" / "cli.md"
INSTALLED = ["klaviyo", "mailchimp", "meta"]


def email_connector(project: dict[str, object]) -> object:
    destinations = project["destinations"]
    assert isinstance(destinations, dict)
    return destinations["email"]["connector"]


def test_mailchimp_plays_the_email_role_by_default() -> None:
    assert DEFAULT_EMAIL == "mailchimp"
    assert email_connector(demo_config(INSTALLED)) == "mailchimp"


def test_email_klaviyo_swaps_the_email_connector_and_keeps_the_rest() -> None:
    project = demo_config(INSTALLED, email="klaviyo")
    assert email_connector(project) == "klaviyo"
    assert project["destinations"]["email"]["fields"] == {"first_name": "first_name"}  # type: ignore[index]
    assert project["destinations"]["social_ads"]["connector"] == "meta"  # type: ignore[index]
    assert project["audiences"]["newsletter"]["to"] == ["email"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("email", "installed", "message"),
    [
        ("sendgrid", INSTALLED, "one of: klaviyo, mailchimp"),
        ("klaviyo", ["mailchimp", "meta"], "needs the klaviyo connector installed"),
    ],
)
def test_an_unknown_or_missing_email_connector_is_a_config_error(
    email: str, installed: list[str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        demo_config(installed, email=email)


def test_the_demo_section_of_the_cli_docs_names_every_option() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = re.search(r"^### `freehold demo`\n(.*?)(?=^#+ |\Z)", text, re.MULTILINE | re.DOTALL)
    assert section is not None
    for param in demo_command.params:
        if isinstance(param, click.Option):
            for name in param.opts:
                assert name in section.group(1), name
    assert "klaviyo" in section.group(1)


def test_the_demo_help_offers_the_email_choice() -> None:
    result = CliRunner().invoke(demo_command, ["--help"])
    assert result.exit_code == 0
    assert "--email [klaviyo|mailchimp]" in result.output
    assert "default: mailchimp" in result.output


def test_the_demo_syncs_only_consented_people_to_klaviyo(tmp_path: Path) -> None:
    plugins = FreeholdPluginManager()
    wanted = ("freehold.connectors.klaviyo", "freehold.plugins.cli.commands.demo")
    plugins.load(builtins=tuple(dict.fromkeys((*BUILTIN_PLUGINS, *wanted))))
    folder = tmp_path / "demo"
    result = CliRunner().invoke(
        create_cli(plugins=plugins),
        ["demo", "--email", "klaviyo", "--contacts", "200", "--keep", str(folder)],
    )
    assert result.exit_code == 0, result.output
    assert "email (klaviyo, emulated)" in result.output
    assert "INFO" not in result.stderr  # per-batch log lines only with -v
    project = yaml.safe_load((folder / "freehold.yaml").read_text(encoding="utf-8"))
    assert email_connector(project) == "klaviyo"
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


def test_asking_for_klaviyo_without_it_installed_exits_2(tmp_path: Path) -> None:
    plugins = FreeholdPluginManager()
    wanted = ("freehold.connectors.mailchimp", "freehold.plugins.cli.commands.demo")
    builtins = [b for b in BUILTIN_PLUGINS if b != "freehold.connectors.klaviyo"]
    plugins.load(builtins=tuple(dict.fromkeys((*builtins, *wanted))))
    result = CliRunner().invoke(
        create_cli(plugins=plugins),
        ["demo", "--email", "klaviyo", "--contacts", "10", "--keep", str(tmp_path / "demo")],
    )
    assert result.exit_code == 2, result.output
    assert "needs the klaviyo connector installed" in result.output
