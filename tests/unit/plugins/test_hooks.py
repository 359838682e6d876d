"""Each freehold hook does what its specification says (one or more tests per hook)."""

from __future__ import annotations

import datetime as dt
import inspect
import types

import click
import pytest
from click.testing import CliRunner

from freehold.core.errors import PermanentError, TransientError
from freehold.core.models import Contact, Outcome, OutcomeStatus
from freehold.plugins import DeliveryKind, DeliveryOperation, hookimpl, hookspecs
from freehold.plugins.cli import create_cli

HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("freehold_"))
OPERATION = DeliveryOperation(kind=DeliveryKind.AUDIENCE_ADD, connector="acme", rows=2)


def _plugin(**hooks):
    return types.SimpleNamespace(**hooks)


def _contacts(*ids):
    return [Contact(contact_id=contact_id) for contact_id in ids]


def _accepted(*keys):
    return [Outcome(key=key, status=OutcomeStatus.ACCEPTED) for key in keys]


def test_every_hook_has_a_test_named_after_it():
    tests = [name for name in globals() if name.startswith("test_freehold_")]
    for hook in HOOKS:
        assert any(test.startswith(f"test_{hook}") for test in tests), hook


# -- freehold_register_connectors ---------------------------------------------------------------


def test_freehold_register_connectors_collects_classes_by_name(manager, make_connector):
    acme, zeta = make_connector("acme"), make_connector("zeta")

    @hookimpl
    def freehold_register_connectors(register):
        register(acme)
        register(zeta)

    manager.register_plugin(
        _plugin(freehold_register_connectors=freehold_register_connectors), name="p"
    )
    found = manager.connectors()
    assert found["acme"] is acme
    assert found["zeta"] is zeta


def test_freehold_register_connectors_a_raising_plugin_keeps_the_others(manager, make_connector):
    good = make_connector("good")

    @hookimpl
    def freehold_register_connectors(register):
        msg = "vendor SDK missing"
        raise ImportError(msg)

    manager.register_plugin(
        _plugin(freehold_register_connectors=freehold_register_connectors), name="bad"
    )
    manager.register_plugin(
        _plugin(freehold_register_connectors=hookimpl(lambda register: register(good))), name="good"
    )
    assert manager.connectors()["good"] is good
    assert manager.failures[-1].name == "bad"
    assert "ImportError: vendor SDK missing" in manager.failures[-1].error


# -- freehold_register_audience_builders --------------------------------------------------------


class _Builder:
    name = "churn_risk"

    def build(self, conn, *, params, previous, now):
        return []


def test_freehold_register_audience_builders_collects_builders(manager):
    builder = _Builder()
    manager.register_plugin(
        _plugin(
            freehold_register_audience_builders=hookimpl(
                lambda register: register("churn_risk", builder)
            )
        ),
        name="churn-plugin",
    )
    assert manager.audience_builders()["churn_risk"] is builder


def test_freehold_register_audience_builders_refuses_duplicates_and_non_builders(manager):
    @hookimpl
    def freehold_register_audience_builders(register):
        register("churn_risk", _Builder())
        register("churn_risk", _Builder())
        register("propensity", object())

    manager.register_plugin(
        _plugin(freehold_register_audience_builders=freehold_register_audience_builders),
        name="builders",
    )
    assert "churn_risk" in manager.audience_builders()
    errors = [f.error for f in manager.failures if f.name == "builders"]
    assert errors == [
        "audience builder name 'churn_risk' is already taken",
        "audience builder 'propensity' has no build() method",
    ]


# -- freehold_register_commands ------------------------------------------------------------------


def test_freehold_register_commands_adds_commands_and_survives_a_raising_plugin(manager):
    @click.command("hello")
    def hello():
        click.echo("hello from a plugin")

    @hookimpl
    def freehold_register_commands(cli):
        msg = "cannot add"
        raise RuntimeError(msg)

    manager.register_plugin(
        _plugin(freehold_register_commands=freehold_register_commands), name="bad"
    )
    manager.register_plugin(
        _plugin(freehold_register_commands=hookimpl(lambda cli: cli.add_command(hello))), name="hi"
    )
    result = CliRunner().invoke(create_cli(plugins=manager), ["hello"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "hello from a plugin\n"
    assert any(f.name == "bad" and "RuntimeError: cannot add" in f.error for f in manager.failures)


# -- freehold_resolve_secret ---------------------------------------------------------------------


def test_freehold_resolve_secret_first_answer_wins_and_env_answers_last(manager, monkeypatch):
    monkeypatch.setenv("SHARED_TOKEN", "from-env")
    monkeypatch.setenv("ONLY_ENV", "env-only")

    @hookimpl
    def freehold_resolve_secret(reference):
        return {"SHARED_TOKEN": "from-vault", "vault:meta#token": "vaulted"}.get(reference)

    manager.register_plugin(_plugin(freehold_resolve_secret=freehold_resolve_secret), name="vault")
    assert manager.resolve_secret("SHARED_TOKEN") == "from-vault"
    assert manager.resolve_secret("vault:meta#token") == "vaulted"
    assert manager.resolve_secret("ONLY_ENV") == "env-only"
    assert manager.resolve_secret("UNSET_ANYWHERE_XYZ") is None


def test_freehold_resolve_secret_env_builtin_ignores_empty_and_non_names(manager, monkeypatch):
    monkeypatch.setenv("EMPTY_SECRET", "")
    assert manager.resolve_secret("EMPTY_SECRET") is None
    assert manager.resolve_secret("not a name") is None


# -- freehold_filter_contacts --------------------------------------------------------------------


def test_freehold_filter_contacts_keeps_the_intersection_and_never_widens(manager):
    seen = {}

    @hookimpl
    def freehold_filter_contacts(destination, audience_key, contacts):
        seen["args"] = (destination, audience_key, [c.contact_id for c in contacts])
        return ["c1", "c2", "intruder"]

    manager.register_plugin(_plugin(freehold_filter_contacts=freehold_filter_contacts), name="a")
    manager.register_plugin(
        _plugin(freehold_filter_contacts=hookimpl(lambda contacts: ["c2", "c3", "c1"])), name="b"
    )
    manager.register_plugin(
        _plugin(freehold_filter_contacts=hookimpl(lambda destination: None)), name="no-opinion"
    )
    kept = manager.filter_contacts("email", "vip", _contacts("c1", "c2", "c3"))
    assert [c.contact_id for c in kept] == ["c1", "c2"]
    assert seen["args"] == ("email", "vip", ["c1", "c2", "c3"])


def test_freehold_filter_contacts_without_plugins_keeps_everyone(manager):
    assert [c.contact_id for c in manager.filter_contacts("ads", None, _contacts("a", "b"))] == [
        "a",
        "b",
    ]


def test_freehold_filter_contacts_a_raising_plugin_stops_the_delivery(manager):
    @hookimpl
    def freehold_filter_contacts(contacts):
        msg = "policy service down"
        raise ConnectionError(msg)

    manager.register_plugin(_plugin(freehold_filter_contacts=freehold_filter_contacts), name="pol")
    with pytest.raises(PermanentError, match="contact filter of plugin 'pol' failed"):
        manager.filter_contacts("email", "vip", _contacts("c1"))


# -- freehold_wrap_delivery ----------------------------------------------------------------------


def _tracer(calls, label, **options):
    @hookimpl(wrapper=True, **options)
    def freehold_wrap_delivery(destination, operation):
        calls.append(f"{label} enter {destination} {operation.kind} {operation.rows}")
        try:
            outcomes = yield
        except TransientError:
            calls.append(f"{label} saw error")
            raise
        calls.append(f"{label} exit {len(outcomes)}")
        return outcomes

    return _plugin(freehold_wrap_delivery=freehold_wrap_delivery)


@pytest.mark.anyio
async def test_freehold_wrap_delivery_wraps_each_batch_tryfirst_outermost(manager):
    calls = []
    manager.register_plugin(_tracer(calls, "inner"), name="inner")
    manager.register_plugin(_tracer(calls, "outer", tryfirst=True), name="outer")

    async def send():
        calls.append("send")
        return _accepted("c1", "c2")

    result = await manager.deliver("social_ads", OPERATION, send)
    assert [o.key for o in result] == ["c1", "c2"]
    assert calls == [
        "outer enter social_ads audience_add 2",
        "inner enter social_ads audience_add 2",
        "send",
        "inner exit 2",
        "outer exit 2",
    ]


@pytest.mark.anyio
async def test_freehold_wrap_delivery_sees_the_delivery_error(manager):
    calls = []
    manager.register_plugin(_tracer(calls, "t"), name="t")

    async def send():
        msg = "503"
        raise TransientError(msg)

    with pytest.raises(TransientError):
        await manager.deliver("email", OPERATION, send)
    assert calls == ["t enter email audience_add 2", "t saw error"]


@pytest.mark.anyio
async def test_freehold_wrap_delivery_can_replace_the_outcomes(manager):
    @hookimpl(wrapper=True)
    def freehold_wrap_delivery(operation):
        outcomes = yield
        return [o.model_copy(update={"vendor_code": "seen"}) for o in outcomes]

    manager.register_plugin(_plugin(freehold_wrap_delivery=freehold_wrap_delivery), name="r")

    async def send():
        return _accepted("c1")

    result = await manager.deliver("email", OPERATION, send)
    assert [o.vendor_code for o in result] == ["seen"]


@pytest.mark.anyio
async def test_freehold_wrap_delivery_a_setup_error_skips_the_send_and_unwinds(manager):
    calls = []
    manager.register_plugin(_tracer(calls, "outer", tryfirst=True), name="outer")

    @hookimpl(wrapper=True)
    def freehold_wrap_delivery():
        msg = "503 from the tracing backend"
        raise TransientError(msg)
        yield  # pragma: no cover

    manager.register_plugin(_plugin(freehold_wrap_delivery=freehold_wrap_delivery), name="bad")

    async def send():
        calls.append("send")
        return []

    with pytest.raises(TransientError):
        await manager.deliver("email", OPERATION, send)
    assert calls == ["outer enter email audience_add 2", "outer saw error"]


@pytest.mark.anyio
async def test_freehold_wrap_delivery_a_wrapper_yielding_twice_is_an_error(manager):
    @hookimpl(wrapper=True)
    def freehold_wrap_delivery():
        yield
        yield

    manager.register_plugin(_plugin(freehold_wrap_delivery=freehold_wrap_delivery), name="twice")

    async def send():
        return []

    with pytest.raises(PermanentError, match="'twice' yielded more than once"):
        await manager.deliver("email", OPERATION, send)


def test_freehold_wrap_delivery_a_plain_implementation_is_refused(manager):
    plain = _plugin(freehold_wrap_delivery=hookimpl(lambda destination, operation: None))
    assert manager.register_plugin(plain, name="plain") is False
    assert "wrapper=True" in manager.failures[-1].error


def test_hookspec_signatures_use_only_documented_argument_names():
    for hook in HOOKS:
        params = inspect.signature(getattr(hookspecs, hook)).parameters
        assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params.values()), hook


def test_deliveryoperation_holds_no_personal_value():
    assert set(DeliveryOperation.__dataclass_fields__) == {
        "kind",
        "connector",
        "rows",
        "audience_key",
    }
    assert dt.datetime  # the module stays importable without extra deps


@pytest.mark.anyio
async def test_freehold_wrap_delivery_receives_a_delivery_operation_from_the_engine(manager):
    from freehold.core.sync import Delivery

    seen = []

    @hookimpl(wrapper=True)
    def freehold_wrap_delivery(operation):
        seen.append(operation)
        return (yield)

    manager.register_plugin(_plugin(freehold_wrap_delivery=freehold_wrap_delivery), name="w")

    async def send():
        return _accepted("c1")

    engine_delivery = Delivery(kind="audience_remove", connector="meta", rows=1, audience_key="vip")
    await manager.deliver("social_ads", engine_delivery, send)
    assert seen == [
        DeliveryOperation(
            kind=DeliveryKind.AUDIENCE_REMOVE, connector="meta", rows=1, audience_key="vip"
        )
    ]
