"""`freehold init [DIR]`: write a commented starter `freehold.yaml` that validates as written."""

from __future__ import annotations

from pathlib import Path

import click

from freehold.core.errors import ConfigError
from freehold.plugins._markers import hookimpl
from freehold.plugins.cli._app import AppContext, pass_app

__all__ = ["STARTER_CONFIG", "freehold_register_commands", "init_command"]

STARTER_CONFIG = """\
# freehold.yaml: where your customer data lives and which vendors it feeds.
# Reference: docs/configuration.md. Check this file at any time with `freehold validate`.

# The first-party store, your system of record. A relative SQLite path sits next to this file;
# a team uses PostgreSQL: postgresql://freehold:${PGPASSWORD}@db.internal/freehold
store: sqlite:///freehold.db

# Destinations are roles. The key (social_ads, email) is the name audiences and event routes
# use; `connector:` says which vendor plays the role, so switching vendor is editing one block.
# `emulate: true` talks to the connector's bundled emulator: no credentials, nothing leaves.
# Secrets are never written here: write ${ENV_VAR} and set the variable.
# `freehold connectors` lists every installed connector and its settings.
destinations:
  social_ads:
    connector: meta
    emulate: true
    # For the real Meta API, delete `emulate: true` and set:
    # ad_account_id: "act_1234567890"
    # access_token: ${META_ACCESS_TOKEN}

  email:
    connector: mailchimp
    emulate: true
    double_opt_in: true        # unknown email consent is sent as pending (double opt-in)
    # For the real Mailchimp API, delete `emulate: true` and set:
    # api_key: ${MAILCHIMP_API_KEY}
    # list_id: "a1b2c3d4e5"      # the Mailchimp audience (list) that holds your contacts
    #
    # To move this role to Klaviyo, the block becomes:
    # connector: klaviyo
    # api_key: ${KLAVIYO_API_KEY}
    # double_opt_in: true
    # then `freehold migrate email` moves what Mailchimp holds (unsubscribes first).

# Audiences are defined once and sent to several destinations. Exactly one of
# where (a filter over the store), sql, file or builder (a plugin) defines each one.
# Consent is always checked when sending: contacts without it for the destination's purpose
# do not leave, whatever the audience says.
audiences:
  vip_customers:
    name: VIP customers
    where:
      lifecycle: [customer, ambassador]
      behaviour:
        - did: purchase
          within_days: 365
          sum_at_least: 500     # total purchase value over the last year
    to: [social_ads, email]
    mode: mirror                # also remove members who stop qualifying (add_only never does)

  newsletter:
    description: Everyone who agreed to receive email.
    where:
      consent: [email_marketing]
    to: [email]

# Event routes: which destinations receive each neutral event ("*" for every event).
events:
  purchase:
    to: [social_ads]
  lead:
    to: [social_ads]

# Safety: a sync that would remove more than this share of an audience stops and asks.
sync:
  max_removal_share: 0.2

# Column mappings for `freehold import --mapping NAME FILE`: file column -> freehold field.
imports:
  customers:
    kind: contacts
    columns:
      customer_id: contact_id
      email: email
      phone: phone
      first_name: first_name
      country: country
      stage: lifecycle
      newsletter_opt_in: consent.email_marketing
  orders:
    kind: events
    columns:
      order_id: event_id
      customer_id: contact_id
      ordered_at: occurred_at
      total: value
      currency: currency
"""
"""The starter project `freehold init` writes."""


@click.command("init")
@click.argument(
    "directory", type=click.Path(file_okay=False, path_type=Path), default=Path(), required=False
)
@click.option("--force", is_flag=True, help="Overwrite an existing freehold.yaml.")
@pass_app
def init_command(app: AppContext, directory: Path, *, force: bool) -> None:
    """Write a commented starter freehold.yaml in DIRECTORY (default: here).

    The starter uses the bundled emulators, so it validates and runs without credentials.
    """
    target = directory / "freehold.yaml"
    if target.exists() and not force:
        msg = f"{target} already exists; use --force to overwrite it"
        raise ConfigError(msg)
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(STARTER_CONFIG, encoding="utf-8")
    app.console.print(f"Wrote {target}", markup=False, highlight=False)
    app.console.print(f"Next: freehold --config {target} validate", markup=False, highlight=False)


@hookimpl
def freehold_register_commands(cli: click.Group) -> None:
    """Add `freehold init`."""
    cli.add_command(init_command)
