"""docs/plugins.md documents every hook with its exact signature, and nothing that is not a hook."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import freehold.plugins
from freehold.plugins import hookspecs

DOCS = Path(__file__).resolve().parents[3] / "docs" / "plugins.md"
HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("freehold_"))


def _signature(name: str) -> str:
    sig = inspect.signature(getattr(hookspecs, name))
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"{name}({params}) -> {sig.return_annotation}"


def _sections() -> dict[str, str]:
    text = DOCS.read_text(encoding="utf-8")
    parts = re.split(r"^### `(.+)`$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_issue_hooks_exist():
    assert HOOKS == [
        "freehold_filter_contacts",
        "freehold_register_audience_builders",
        "freehold_register_commands",
        "freehold_register_connectors",
        "freehold_resolve_secret",
        "freehold_wrap_delivery",
    ]


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_with_its_exact_signature(hook):
    sections = _sections()
    assert _signature(hook) in sections, f"docs/plugins.md lacks ### `{_signature(hook)}`"
    body = sections[_signature(hook)]
    for part in ("**When:**", "**Returns:**", "**Implemented by:**"):
        assert part in body, (hook, part)
    for param in inspect.signature(getattr(hookspecs, hook)).parameters:
        assert f"**`{param}`:**" in body, (hook, param)


def test_docs_document_nothing_that_is_not_a_hook():
    documented = {heading.split("(")[0] for heading in _sections()}
    assert documented == set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hookspec_docstring_follows_the_template(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert "Called" in doc, hook
    assert "Args:" in doc, hook
    assert "Returns:" in doc, hook
    assert "Implemented by" in doc, hook


def test_firstresult_and_wrapper_hooks_say_so_in_docs_and_specs():
    sections = _sections()
    specs = {hook: getattr(hookspecs, hook).freehold_spec for hook in HOOKS}
    assert [hook for hook, spec in specs.items() if spec["firstresult"]] == [
        "freehold_resolve_secret"
    ]
    assert "firstresult" in sections[_signature("freehold_resolve_secret")]
    assert "wrapper=True" in sections[_signature("freehold_wrap_delivery")]


def test_plugins_facade_all_is_sorted_and_exported():
    names = freehold.plugins.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    for name in names:
        assert getattr(freehold.plugins, name) is not None
