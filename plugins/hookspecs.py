"""Every freehold hook, documented in pytest's hookspec style.

A plugin is a module (or object) with functions named after these hooks and marked with
`freehold.plugins.hookimpl`. Built-in connectors and commands use the same hooks as third-party
plugins, which arrive through the `freehold` entry-point group. `docs/plugins.md` documents each
hook with its exact signature; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeAlias

from freehold.plugins._markers import hookspec

if TYPE_CHECKING:
    import click

    from freehold.core.audiences import AudienceBuilder
    from freehold.core.connector import Connector
    from freehold.core.models import Contact, Outcome

__all__ = [
    "AudienceBuilderRegistrar",
    "ConnectorRegistrar",
    "DeliveryKind",
    "DeliveryOperation",
    "freehold_filter_contacts",
    "freehold_register_audience_builders",
    "freehold_register_commands",
    "freehold_register_connectors",
    "freehold_resolve_secret",
    "freehold_wrap_delivery",
]

ConnectorRegistrar: TypeAlias = "Callable[[type[Connector[Any]]], None]"
"""The `register` callable passed to `freehold_register_connectors`."""

AudienceBuilderRegistrar: TypeAlias = "Callable[[str, AudienceBuilder], None]"
"""The `register` callable passed to `freehold_register_audience_builders`."""


class DeliveryKind(StrEnum):
    """What one delivered batch does at the vendor."""

    AUDIENCE_ADD = "audience_add"
    AUDIENCE_REMOVE = "audience_remove"
    EVENTS = "events"


@dataclass(frozen=True, slots=True)
class DeliveryOperation:
    """One batch about to be delivered, as `freehold_wrap_delivery` sees it: no personal value.

    Attributes:
        kind: adding to or removing from a vendor audience, or sending events.
        connector: the connector's name (`meta`).
        rows: how many members or events the batch holds.
        audience_key: the brand's audience key, for audience batches; None for events.
    """

    kind: DeliveryKind
    connector: str
    rows: int
    audience_key: str | None = None


@hookspec
def freehold_register_connectors(register: ConnectorRegistrar) -> None:
    """Register connector classes.

    Called once, the first time the plugin manager is asked for its connectors (by the CLI, or
    by `FreeholdPluginManager.connectors()`), after every plugin is loaded.

    Args:
        register: call `register(ConnectorClass)` once per connector class. The class must
            subclass `freehold.core.connector.Connector` and set `name` and `config_model`.
            A second connector with a name already taken is refused and listed as a plugin
            error; the first one registered (built-ins before entry points) is kept.

    Returns:
        Nothing; the return value is ignored.

    Implemented by every connector package: the built-in ones (`freehold.connectors.meta`…)
    and third-party distributions (`freehold-hubspot`).
    """


@hookspec
def freehold_register_audience_builders(register: AudienceBuilderRegistrar) -> None:
    """Register computed-audience builders (RFM clusters, lifetime-value tiers, ambassadors).

    Called once, the first time the plugin manager is asked for its audience builders (when the
    project config is validated, or when an audience is computed).

    Args:
        register: call `register(name, builder)` once per builder; `name` is what an audience
            names in `builder:` in `freehold.yaml`, and `builder` follows the `AudienceBuilder`
            protocol of `freehold.core.audiences`. A name already taken is refused and listed as
            a plugin error.

    Returns:
        Nothing; the return value is ignored.

    Implemented by plugins that compute audiences from the store.
    """


@hookspec
def freehold_register_commands(cli: click.Group) -> None:
    """Add commands to the `freehold` command line.

    Called once per process, when the `freehold` group first lists or looks up its commands.

    Args:
        cli: the `freehold` click group; call `cli.add_command(command)`. Commands receive the
            `AppContext` with `@freehold.plugins.cli.pass_app`.

    Returns:
        Nothing; the return value is ignored.

    Implemented by each area of freehold for its own commands, and by plugins that add
    commands. A plugin whose implementation raises is listed as a plugin error; the other
    commands stay available.
    """


@hookspec(firstresult=True)
def freehold_resolve_secret(reference: str) -> str | None:
    """Resolve a secret reference written as `${REFERENCE}` in `freehold.yaml`.

    Called while the project config is loaded, once per `${...}` reference, in plugin order
    (tryfirst implementations first); the first non-None answer wins (`firstresult`). The
    built-in `freehold.plugins.builtin.env_secrets` answers last (`trylast`) with the value of
    the environment variable of that name.

    Args:
        reference: the text between `${` and `}` (`META_ACCESS_TOKEN`, or a scheme of the
            plugin's own such as `vault:marketing/meta#token`).

    Returns:
        The secret value, or None when this plugin does not know the reference (the next one is
        asked; when none answers, the config is refused, naming the reference).

    Implemented by secret-manager plugins (Vault, AWS Secrets Manager, 1Password). The value is
    registered with the log redaction filter, so it never reaches a log line.
    """


@hookspec
def freehold_filter_contacts(
    destination: str, audience_key: str | None, contacts: Sequence[Contact]
) -> Iterable[str] | None:
    """Narrow the contacts about to be sent to a destination.

    Called before each delivery of contacts, after the consent gate (which is core behaviour
    and cannot be switched off by a plugin), once per batch of contacts.

    Args:
        destination: the destination name (the role: `email`, `social_ads`).
        audience_key: the audience being synced, or None when the contacts go with events.
        contacts: the contacts that passed the consent gate.

    Returns:
        The `contact_id`s to keep, or None to keep every contact. The engine keeps only the
        contacts every plugin kept (the intersection): a plugin can narrow what is sent, never
        widen it; an id that was not in `contacts` is ignored.

    Implemented by plugins with a policy of their own (exclude staff, a country, a test list).
    """


@hookspec
def freehold_wrap_delivery(destination: str, operation: DeliveryOperation) -> Sequence[Outcome]:
    """Wrap each batch delivered to a vendor (a new-style pluggy wrapper).

    Called around every batch the engine sends: an audience add or remove, or a batch of
    events. Implementations must be wrappers, `@hookimpl(wrapper=True)` generators that yield
    exactly once; a plain implementation is refused as a plugin error. The code before `yield`
    runs before the batch is sent; `yield` returns the batch's outcomes (or raises what the
    delivery raised); the wrapper returns the outcomes, usually unchanged. Wrappers must not
    block: they run inside the engine's event loop.

    Args:
        destination: the destination name (the role).
        operation: what is being delivered: kind, connector, row count, audience key. It holds
            no personal value.

    Returns:
        The batch's outcomes, one per row, in order (the value `yield` returned, or a
        replacement of the same length).

    Implemented by tracing, metrics and audit plugins.
    """
    raise NotImplementedError  # a specification: pluggy never calls its body
