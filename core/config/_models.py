"""The project config model: what `freehold.yaml` may say, validated by pydantic."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    PlainValidator,
    SerializeAsAny,
    Tag,
    model_validator,
)

from freehold.core.connector import ConnectorConfig
from freehold.core.models import Identifiers, LifecycleStage, NeutralModel, Purpose, SyncMode

__all__ = [
    "CONTACT_IMPORT_TARGETS",
    "EVENT_IMPORT_TARGETS",
    "AudienceConfig",
    "AudienceFilter",
    "BehaviourRule",
    "Comparison",
    "ConfigScalar",
    "DestinationConfig",
    "EventRoute",
    "ImportKind",
    "ImportMapping",
    "ProjectConfig",
    "SyncSettings",
]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")


def _name(value: str) -> str:
    if not _NAME.match(value):
        msg = "names are lowercase letters, digits, '_' and '-', at most 64, starting alphanumeric"
        raise ValueError(msg)
    return value


_Name = Annotated[str, AfterValidator(_name)]


def _scalar(value: object) -> object:
    if value is None or isinstance(value, str | bool | int | float | dt.date):
        return value
    msg = "expected a string, number, boolean or date"
    raise ValueError(msg)


ConfigScalar = Annotated[str | bool | int | float | dt.date | None, PlainValidator(_scalar)]
"""A single value in a filter: string, number, boolean, date (or datetime), or null."""


class Comparison(NeutralModel):
    """A comparison on one contact attribute; every operator given must hold.

    `in` is spelled `in_` in Python. An operator counts as given when its key is present, so
    `eq: null` tests for a missing value (read `model_fields_set`).
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", hide_input_in_errors=True, populate_by_name=True
    )

    eq: ConfigScalar = None
    ne: ConfigScalar = None
    gt: ConfigScalar = None
    gte: ConfigScalar = None
    lt: ConfigScalar = None
    lte: ConfigScalar = None
    in_: list[ConfigScalar] | None = Field(default=None, alias="in")
    not_in: list[ConfigScalar] | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Comparison:
        if not self.model_fields_set:
            msg = "give at least one of eq, ne, gt, gte, lt, lte, in, not_in"
            raise ValueError(msg)
        return self


def _attribute_kind(value: Any) -> str:  # noqa: ANN401 - pydantic discriminators take any input
    return "comparison" if isinstance(value, dict | Comparison) else "scalar"


_AttributeTest = Annotated[
    Annotated[Comparison, Tag("comparison")] | Annotated[ConfigScalar, Tag("scalar")],
    Discriminator(_attribute_kind),
]


class BehaviourRule(NeutralModel):
    """A rule over a contact's events: did (or did not do) an event, how recently, how often.

    Exactly one of `did` and `did_not` names the event. `within_days` limits the events
    considered to the last days; `count_at_least` and `sum_at_least` (the sum of `value`) apply
    to `did`.
    """

    did: str | None = Field(default=None, min_length=1)
    did_not: str | None = Field(default=None, min_length=1)
    within_days: int | None = Field(default=None, ge=1)
    count_at_least: int | None = Field(default=None, ge=1)
    sum_at_least: Decimal | None = None

    @model_validator(mode="after")
    def _exactly_one_event(self) -> BehaviourRule:
        if (self.did is None) == (self.did_not is None):
            msg = "give exactly one of did, did_not"
            raise ValueError(msg)
        if self.did_not is not None and (
            self.count_at_least is not None or self.sum_at_least is not None
        ):
            msg = "count_at_least and sum_at_least apply to did, not did_not"
            raise ValueError(msg)
        return self


class AudienceFilter(NeutralModel):
    """An audience defined over the store; every part given must hold (AND).

    Attributes:
        lifecycle: the contact is at one of these stages.
        consent: the contact granted consent for each of these purposes.
        attributes: per attribute, a value (equality) or a `Comparison`.
        behaviour: rules over the contact's events.
    """

    lifecycle: list[LifecycleStage] | None = None
    consent: list[Purpose] | None = None
    attributes: dict[str, _AttributeTest] = Field(default_factory=dict)
    behaviour: list[BehaviourRule] = Field(default_factory=list)


class AudienceConfig(NeutralModel):
    """One audience: exactly one definition (`where`, `sql`, `file` or `builder`) and targets.

    Attributes:
        name: a display name (the key when omitted).
        where: a filter over the store.
        sql: a query returning contact ids (`contact_id` column).
        file: a CSV of contact ids or emails; a relative path is resolved next to the file.
        builder: a computed-audience builder registered by a plugin, with `params`.
        to: destination names; each must be defined under `destinations`.
        mode: `add_only` never removes; `mirror` also removes what freehold added.
        membership_days: members leave this many days after they last qualified.
    """

    name: str | None = None
    description: str = ""
    where: AudienceFilter | None = None
    sql: str | None = Field(default=None, min_length=1)
    file: str | None = Field(default=None, min_length=1)
    builder: str | None = Field(default=None, min_length=1)
    params: dict[str, JsonValue] = Field(default_factory=dict)
    to: list[str] = Field(default_factory=list)
    mode: SyncMode = SyncMode.ADD_ONLY
    membership_days: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_definition(self) -> AudienceConfig:
        given = [key for key in ("where", "sql", "file", "builder") if getattr(self, key)]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            msg = f"give exactly one of where, sql, file, builder (found: {found})"
            raise ValueError(msg)
        if self.params and self.builder is None:
            msg = "params apply only to a builder audience"
            raise ValueError(msg)
        return self


class DestinationConfig(NeutralModel):
    """A destination: the role a vendor plays, through a connector, with its settings.

    In `freehold.yaml` the connector's settings sit next to the common keys; the loader splits
    them off and validates them with the connector's own `config_model`.

    Attributes:
        connector: the connector's name (`meta`, `mailchimp`).
        enabled: False keeps the destination only as a source for migration.
        emulate: talk to the connector's bundled in-process emulator (demo, no credentials).
        send_unknown_consent: let contacts with unknown consent for the purpose leave.
        double_opt_in: for email, send unknown consent as pending (double opt-in).
        fields: contact attribute → vendor field name; only these attributes leave.
        settings: the connector's settings, an instance of its `config_model`.
    """

    connector: str = Field(min_length=1)
    enabled: bool = True
    emulate: bool = False
    send_unknown_consent: bool = False
    double_opt_in: bool = False
    fields: dict[str, str] = Field(default_factory=dict)
    settings: SerializeAsAny[ConnectorConfig] = Field(default_factory=ConnectorConfig)


class EventRoute(NeutralModel):
    """Where events of one name (or every event, for `*`) are forwarded."""

    to: list[str] = Field(min_length=1)


class SyncSettings(NeutralModel):
    """Safety settings for audience syncs.

    Attributes:
        max_removal_share: a sync that would remove more than this share of an audience's
            members at a destination stops and asks for confirmation.
    """

    max_removal_share: float = Field(default=0.2, ge=0.0, le=1.0)


class ImportKind(StrEnum):
    """What a named import mapping reads."""

    CONTACTS = "contacts"
    EVENTS = "events"


CONTACT_IMPORT_TARGETS: frozenset[str] = frozenset(
    {"contact_id", "lifecycle", "consent_at", "consent_source", *Identifiers.model_fields}
)
"""Fixed targets of a contacts mapping; `attributes.<name>` and `consent.<purpose>` also work."""

EVENT_IMPORT_TARGETS: frozenset[str] = frozenset(
    {
        "event_id",
        "name",
        "occurred_at",
        "contact_id",
        "email",
        "value",
        "currency",
        "order_id",
        "action_source",
        "client_ip",
        "user_agent",
        "source_url",
        "fbc",
        "fbp",
        "gclid",
        "gbraid",
        "wbraid",
        "msclkid",
    }
)
"""Fixed targets of an events mapping; `properties.<name>` also works."""

_PURPOSES = frozenset(purpose.value for purpose in Purpose)


def _target_ok(kind: ImportKind, target: str) -> bool:
    head, _, tail = target.partition(".")
    if kind is ImportKind.CONTACTS:
        if head == "attributes":
            return bool(tail)
        if head == "consent":
            return tail in _PURPOSES
        return not tail and target in CONTACT_IMPORT_TARGETS
    if head == "properties":
        return bool(tail)
    return not tail and target in EVENT_IMPORT_TARGETS


class ImportMapping(NeutralModel):
    """A named column mapping for `freehold import`: file column → target.

    Contacts targets: `contact_id`, an identifier (`email`, `phone`…), `lifecycle`,
    `attributes.<name>`, `consent.<purpose>`, `consent_at`, `consent_source`. Events targets:
    `event_id`, `name`, `occurred_at`, `contact_id`, `email`, `value`, `currency`, `order_id`,
    `action_source`, `client_ip`, `user_agent`, `source_url`, the click ids, `properties.<name>`.
    """

    kind: ImportKind
    columns: dict[str, str] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_targets(self) -> ImportMapping:
        bad = sorted(
            column for column, target in self.columns.items() if not _target_ok(self.kind, target)
        )
        if bad:
            msg = f"unknown {self.kind.value} target for column(s) {', '.join(map(repr, bad))}"
            raise ValueError(msg)
        return self


class ProjectConfig(NeutralModel):
    """The whole `freehold.yaml`: store, destinations, audiences, event routes, sync, imports.

    Attributes:
        store: the store's SQLAlchemy URL; a relative SQLite path is resolved next to the file.
        destinations: destination (role) name → destination.
        audiences: audience key → audience.
        events: neutral event name, or `*` for every event → route.
        sync: sync safety settings.
        imports: mapping name → column mapping for `freehold import`.
    """

    store: str = Field(default="sqlite:///freehold.db", min_length=1)
    destinations: dict[_Name, DestinationConfig] = Field(default_factory=dict)
    audiences: dict[_Name, AudienceConfig] = Field(default_factory=dict)
    events: dict[Annotated[str, Field(min_length=1)], EventRoute] = Field(default_factory=dict)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    imports: dict[_Name, ImportMapping] = Field(default_factory=dict)
