"""The plugin manager: built-ins by module name, entry points, switches, fault tolerance."""

from __future__ import annotations

import importlib
import logging
import types

import pytest

from freehold.plugins import BUILTIN_PLUGINS, FreeholdPluginManager, PluginFailure, hookimpl


def _plugin(**hooks):
    return types.SimpleNamespace(**hooks)


def test_builtin_plugins_are_sorted_unique_and_importable():
    assert list(BUILTIN_PLUGINS) == sorted(set(BUILTIN_PLUGINS))
    for name in BUILTIN_PLUGINS:
        importlib.import_module(name)


def test_builtins_are_registered_by_module_name(manager):
    infos = {info.name: info for info in manager.plugin_infos()}
    assert set(BUILTIN_PLUGINS) <= set(infos)
    env = infos["freehold.plugins.builtin.env_secrets"]
    assert env.source == "builtin"
    assert env.dist is None
    assert env.hooks == ("freehold_resolve_secret",)
    assert manager.failures == ()


def test_a_builtin_that_cannot_be_imported_is_a_failure_row_not_a_crash(no_entry_points, caplog):
    pm = FreeholdPluginManager()
    with caplog.at_level(logging.WARNING, logger="freehold.plugins.manager"):
        pm.load(builtins=["freehold.plugins.builtin.env_secrets", "freehold.no_such_module"])
    assert [f.name for f in pm.failures] == ["freehold.no_such_module"]
    assert "ModuleNotFoundError" in pm.failures[0].error
    assert "freehold.no_such_module" in caplog.text
    assert pm.has_plugin("freehold.plugins.builtin.env_secrets")


def test_load_is_idempotent(manager):
    before = manager.plugin_infos()
    manager.load()
    assert manager.plugin_infos() == before


def test_entry_point_plugins_are_discovered_with_their_distribution(site_dir):
    site_dir.install_tiny_vendor()
    pm = FreeholdPluginManager()
    pm.load(builtins=())
    info = next(i for i in pm.plugin_infos() if i.name == "tinyvendor")
    assert info.source == "entry point"
    assert info.dist == "freehold-tinyvendor 1.0"
    assert info.hooks == ("freehold_register_connectors",)
    assert "tinyvendor" in pm.connectors()


def test_a_broken_entry_point_is_a_warning_and_a_failure_row(site_dir, caplog):
    site_dir.install_broken()
    site_dir.install_tiny_vendor()
    pm = FreeholdPluginManager()
    with caplog.at_level(logging.WARNING, logger="freehold.plugins.manager"):
        pm.load(builtins=())
    assert [f for f in pm.failures if f.name == "broken"] == [
        PluginFailure(
            name="broken",
            dist="freehold-broken 0.3",
            error="import failed: RuntimeError: boom while importing",
        )
    ]
    assert "plugin broken failed: import failed" in caplog.text
    assert "tinyvendor" in pm.connectors()


def test_disable_autoload_skips_entry_points_but_keeps_builtins(site_dir, monkeypatch):
    site_dir.install_tiny_vendor()
    monkeypatch.setenv("FREEHOLD_DISABLE_PLUGIN_AUTOLOAD", "1")
    pm = FreeholdPluginManager()
    pm.load()
    assert not pm.has_plugin("tinyvendor")
    assert pm.has_plugin("freehold.plugins.builtin.env_secrets")


def test_load_plugins_is_an_allow_list_of_entry_point_names(site_dir, monkeypatch):
    site_dir.install_tiny_vendor()
    site_dir.install_broken()
    monkeypatch.setenv("FREEHOLD_LOAD_PLUGINS", "tinyvendor, other")
    pm = FreeholdPluginManager()
    pm.load(builtins=())
    assert pm.has_plugin("tinyvendor")
    assert not pm.has_plugin("broken")
    assert pm.failures == ()
    monkeypatch.setenv("FREEHOLD_LOAD_PLUGINS", "")
    nothing = FreeholdPluginManager()
    nothing.load(builtins=())
    assert not nothing.has_plugin("tinyvendor")


def test_an_unknown_freehold_hook_refuses_the_plugin(manager):
    plugin = _plugin(freehold_register_sinks=hookimpl(lambda register: None))
    assert manager.register_plugin(plugin, name="sinks") is False
    assert not manager.has_plugin("sinks")
    assert manager.failures[-1].name == "sinks"
    assert "unknown hook 'freehold_register_sinks'" in manager.failures[-1].error
    manager.check_pending()


def test_a_hookimpl_with_arguments_the_spec_lacks_is_refused(manager):
    plugin = _plugin(freehold_resolve_secret=hookimpl(lambda reference, vault: None))
    assert manager.register_plugin(plugin, name="badargs") is False
    assert "invalid plugin" in manager.failures[-1].error
    assert not manager.has_plugin("badargs")


def test_a_name_already_taken_is_a_failure(manager):
    plugin = _plugin(freehold_resolve_secret=hookimpl(lambda reference: None))
    assert manager.register_plugin(plugin, name="freehold.plugins.builtin.env_secrets") is False
    assert manager.failures[-1].name == "freehold.plugins.builtin.env_secrets"


def test_duplicate_connector_names_keep_the_first_and_list_the_second(manager, make_connector):
    first, second = make_connector("acme"), make_connector("acme")
    manager.register_plugin(
        _plugin(freehold_register_connectors=hookimpl(lambda register: register(first))),
        name="acme-one",
    )
    manager.register_plugin(
        _plugin(freehold_register_connectors=hookimpl(lambda register: register(second))),
        name="acme-two",
    )
    assert manager.connectors()["acme"] is first
    assert manager.failures[-1] == PluginFailure(
        name="acme-two", dist=None, error="connector name 'acme' is already taken"
    )


@pytest.mark.parametrize(
    ("candidate", "error"),
    [
        (object, "is not a Connector subclass"),
        ("abstract", "leaves abstract methods unimplemented: check"),
        ("badname", "needs a lowercase slug 'name'"),
    ],
)
def test_invalid_connector_classes_are_failures(manager, make_connector, candidate, error):
    if candidate == "abstract":
        cls = make_connector("abstracty")
        candidate = type("AbstractConnector", (cls,), {"check": None})
        candidate.__abstractmethods__ = frozenset({"check"})
    elif candidate == "badname":
        candidate = make_connector("Bad Name")
    manager.register_plugin(
        _plugin(freehold_register_connectors=hookimpl(lambda register: register(candidate))),
        name="invalid",
    )
    connectors = manager.connectors()
    assert all(cls is not candidate for cls in connectors.values())
    assert manager.failures[-1].name == "invalid"
    assert error in manager.failures[-1].error


def test_connectors_are_recomputed_when_a_plugin_is_added(manager, make_connector):
    assert "late" not in manager.connectors()
    late = make_connector("late")
    manager.register_plugin(
        _plugin(freehold_register_connectors=hookimpl(lambda register: register(late))),
        name="late",
    )
    assert manager.connectors()["late"] is late
