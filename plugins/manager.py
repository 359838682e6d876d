"""The plugin manager: hook specs, built-ins by module name, entry points, fault tolerance.

`FreeholdPluginManager.load()` registers the built-in modules listed in `BUILTIN_PLUGINS`, then
every entry point of the `freehold` group, unless `FREEHOLD_DISABLE_PLUGIN_AUTOLOAD` is set.
`FREEHOLD_LOAD_PLUGINS=a,b` loads only the entry points named. A plugin that fails to import,
fails validation or raises inside a registration hook is logged as a warning and kept as a
`PluginFailure` row for `freehold plugins`; it never stops the program.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import logging
import os
import re
from collections.abc import Awaitable, Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias, cast

import pluggy

from freehold.core.connector import Connector, ConnectorConfig
from freehold.core.errors import PermanentError
from freehold.plugins import hookspecs
from freehold.plugins._builtins import BUILTIN_PLUGINS
from freehold.plugins._markers import PROJECT_NAME
from freehold.plugins.hookspecs import DeliveryKind, DeliveryOperation

if TYPE_CHECKING:
    import click

    from freehold.core.audiences import AudienceBuilder
    from freehold.core.models import Contact, Outcome

__all__ = [
    "DISABLE_AUTOLOAD_ENV",
    "LOAD_PLUGINS_ENV",
    "DeliveryLike",
    "FreeholdPluginManager",
    "PluginFailure",
    "PluginInfo",
    "PluginSource",
]

logger = logging.getLogger(__name__)

_Wrapper: TypeAlias = "Generator[None, Sequence[Outcome], Sequence[Outcome]]"
"""A `freehold_wrap_delivery` wrapper: yields once, receives and returns the outcomes."""

DISABLE_AUTOLOAD_ENV = "FREEHOLD_DISABLE_PLUGIN_AUTOLOAD"
"""Set (to any non-empty value) to skip every entry-point plugin; built-ins still load."""

LOAD_PLUGINS_ENV = "FREEHOLD_LOAD_PLUGINS"
"""Comma-separated entry-point names to load; others are skipped. Set but empty loads none."""

_CONNECTOR_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

PluginSource = Literal["builtin", "entry point", "registered"]


class DeliveryLike(Protocol):
    """What `deliver` needs to know about a batch (the engine's own description fits)."""

    @property
    def kind(self) -> str:
        """`audience_add`, `audience_remove` or `events`."""

    @property
    def connector(self) -> str:
        """The connector's name."""

    @property
    def rows(self) -> int:
        """How many members or events the batch holds."""

    @property
    def audience_key(self) -> str | None:
        """The audience key, for audience batches."""


@dataclass(frozen=True, slots=True)
class PluginFailure:
    """A plugin that could not be used, as listed by `freehold plugins`.

    Attributes:
        name: the plugin's name (entry-point name or module name).
        dist: the distribution and version that provides it, when known (`freehold-x 1.0`).
        error: what went wrong, on one line.
    """

    name: str
    dist: str | None
    error: str


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """A registered plugin.

    Attributes:
        name: the name it is registered under.
        source: `builtin`, `entry point`, or `registered` (added by code, as tests do).
        dist: the distribution and version that provides it, when it came from an entry point.
        hooks: the freehold hooks it implements, sorted.
    """

    name: str
    source: PluginSource
    dist: str | None
    hooks: tuple[str, ...]


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class FreeholdPluginManager(pluggy.PluginManager):
    """pluggy's manager with freehold's hooks, fault-tolerant loading and typed accessors."""

    def __init__(self) -> None:
        super().__init__(PROJECT_NAME)
        self.add_hookspecs(hookspecs)
        self._failures: list[PluginFailure] = []
        self._origins: dict[str, tuple[PluginSource, str | None]] = {}
        self._loaded = False
        self._connectors: dict[str, type[Connector[Any]]] | None = None
        self._builders: dict[str, AudienceBuilder] | None = None

    # -- loading ------------------------------------------------------------------------------

    def load(self, *, builtins: Iterable[str] = BUILTIN_PLUGINS) -> None:
        """Register the built-in modules, then the entry-point plugins; idempotent.

        Args:
            builtins: module names to register as built-ins (the default is `BUILTIN_PLUGINS`).
        """
        if self._loaded:
            return
        self._loaded = True
        for module_name in builtins:
            try:
                module = importlib.import_module(module_name)
            except (Exception, SystemExit) as exc:
                self._fail(module_name, None, f"import failed: {_one_line(exc)}")
                continue
            self.register_plugin(module, name=module_name, source="builtin")
        if not os.environ.get(DISABLE_AUTOLOAD_ENV):
            self._load_entry_points()
        self.check_pending()

    def _load_entry_points(self) -> None:
        allowed_env = os.environ.get(LOAD_PLUGINS_ENV)
        allowed = (
            None
            if allowed_env is None
            else {name.strip() for name in allowed_env.split(",") if name.strip()}
        )
        seen: set[str] = set()
        entry_points = importlib.metadata.entry_points(group=PROJECT_NAME)
        for entry_point in sorted(entry_points, key=lambda ep: ep.name):
            if entry_point.name in seen or (
                allowed is not None and entry_point.name not in allowed
            ):
                continue
            seen.add(entry_point.name)
            dist = (
                f"{entry_point.dist.name} {entry_point.dist.version}" if entry_point.dist else None
            )
            if self.has_plugin(entry_point.name):
                self._fail(entry_point.name, dist, "a plugin with this name is already loaded")
                continue
            try:
                plugin = entry_point.load()
            except (Exception, SystemExit) as exc:
                self._fail(entry_point.name, dist, f"import failed: {_one_line(exc)}")
                continue
            self.register_plugin(plugin, name=entry_point.name, source="entry point", dist=dist)

    def register_plugin(
        self,
        plugin: object,
        *,
        name: str,
        source: PluginSource = "registered",
        dist: str | None = None,
    ) -> bool:
        """Register `plugin` under `name`, or record why it cannot be used.

        The plugin is refused (and listed as a failure) when pluggy rejects it, when it
        implements a `freehold_` hook that does not exist, or when it implements
        `freehold_wrap_delivery` without `wrapper=True`.

        Returns:
            True when the plugin is registered.
        """
        try:
            self.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            self._fail(name, dist, f"invalid plugin: {_one_line(exc)}")
            return False
        problem = self._validate_registered(plugin)
        if problem:
            self.unregister(plugin, name=name)
            self._fail(name, dist, problem)
            return False
        self._origins[name] = (source, dist)
        self._connectors = None
        self._builders = None
        return True

    def _validate_registered(self, plugin: object) -> str | None:
        for caller in self.get_hookcallers(plugin) or []:
            mine = [impl for impl in caller.get_hookimpls() if impl.plugin is plugin]
            if not caller.has_spec() and any(not impl.optionalhook for impl in mine):
                return f"unknown hook {caller.name!r}"
            if caller.name == "freehold_wrap_delivery" and any(not impl.wrapper for impl in mine):
                return "freehold_wrap_delivery must be a @hookimpl(wrapper=True) generator"
        return None

    def _fail(self, name: str, dist: str | None, error: str) -> None:
        self._failures.append(PluginFailure(name=name, dist=dist, error=error))
        logger.warning("plugin %s failed: %s", name, error)

    @property
    def failures(self) -> tuple[PluginFailure, ...]:
        """Return every plugin problem recorded so far, in the order they happened."""
        return tuple(self._failures)

    def plugin_infos(self) -> list[PluginInfo]:
        """Return the registered plugins, sorted by name."""
        infos = []
        for name, plugin in self.list_name_plugin():
            if plugin is None:
                continue
            source, dist = self._origins.get(name, ("registered", None))
            hooks = sorted(caller.name for caller in self.get_hookcallers(plugin) or [])
            infos.append(PluginInfo(name=name, source=source, dist=dist, hooks=tuple(hooks)))
        return sorted(infos, key=lambda info: info.name)

    # -- calling hooks one implementation at a time ---------------------------------------------

    def _impls(self, hook_name: str) -> list[pluggy.HookImpl]:
        """Return the implementations of a hook in registration order (built-ins first)."""
        caller: pluggy.HookCaller = getattr(self.hook, hook_name)
        impls = caller.get_hookimpls()
        order = {name: index for index, (name, _) in enumerate(self.list_name_plugin())}
        return sorted(impls, key=lambda impl: order.get(impl.plugin_name, len(order)))

    @staticmethod
    def _call(impl: pluggy.HookImpl, kwargs: dict[str, object]) -> object:
        return impl.function(*[kwargs[arg] for arg in impl.argnames])

    def connectors(self) -> dict[str, type[Connector[Any]]]:
        """Return every registered connector class by name (cached until a plugin is added).

        Invalid classes and duplicate names become plugin failures; the first registered wins.
        """
        if self._connectors is None:
            found: dict[str, type[Connector[Any]]] = {}
            for impl in self._impls("freehold_register_connectors"):
                plugin_name = impl.plugin_name

                def register(cls: type[Connector[Any]], plugin_name: str = plugin_name) -> None:
                    problem = _connector_problem(cls)
                    if problem is None and cls.name in found:
                        problem = f"connector name {cls.name!r} is already taken"
                    if problem:
                        self._fail(plugin_name, self._dist_of(plugin_name), problem)
                    else:
                        found[cls.name] = cls

                self._call_safely(impl, {"register": register})
            self._connectors = found
        return dict(self._connectors)

    def audience_builders(self) -> dict[str, AudienceBuilder]:
        """Return every registered audience builder by name (cached until a plugin is added)."""
        if self._builders is None:
            found: dict[str, AudienceBuilder] = {}
            for impl in self._impls("freehold_register_audience_builders"):
                plugin_name = impl.plugin_name

                def register(
                    name: str, builder: AudienceBuilder, plugin_name: str = plugin_name
                ) -> None:
                    problem = None
                    if not isinstance(name, str) or not name:
                        problem = "audience builder name must be a non-empty string"
                    elif name in found:
                        problem = f"audience builder name {name!r} is already taken"
                    elif not callable(getattr(builder, "build", None)):
                        problem = f"audience builder {name!r} has no build() method"
                    if problem:
                        self._fail(plugin_name, self._dist_of(plugin_name), problem)
                    else:
                        found[name] = builder

                self._call_safely(impl, {"register": register})
            self._builders = found
        return dict(self._builders)

    def register_commands(self, cli: click.Group) -> None:
        """Let every plugin add its commands to `cli`; a plugin that raises becomes a failure."""
        for impl in self._impls("freehold_register_commands"):
            self._call_safely(impl, {"cli": cli})

    def _call_safely(self, impl: pluggy.HookImpl, kwargs: dict[str, object]) -> None:
        try:
            self._call(impl, kwargs)
        except Exception as exc:
            self._fail(
                impl.plugin_name,
                self._dist_of(impl.plugin_name),
                f"{impl.function.__name__} raised {_one_line(exc)}",
            )

    def _dist_of(self, plugin_name: str) -> str | None:
        return self._origins.get(plugin_name, ("registered", None))[1]

    # -- engine-facing helpers ----------------------------------------------------------------

    def resolve_secret(self, reference: str) -> str | None:
        """Ask the secret resolvers for `reference`; the first answer wins, None if none knows."""
        result = self.hook.freehold_resolve_secret(reference=reference)
        return cast("str | None", result)

    def filter_contacts(
        self, destination: str, audience_key: str | None, contacts: Sequence[Contact]
    ) -> list[Contact]:
        """Return the contacts every `freehold_filter_contacts` plugin keeps, in input order.

        Raises:
            PermanentError: a filter plugin raised; nothing is sent rather than too much.
        """
        keep: set[str] | None = None
        kwargs: dict[str, object] = {
            "destination": destination,
            "audience_key": audience_key,
            "contacts": contacts,
        }
        for impl in self._impls("freehold_filter_contacts"):
            try:
                result = cast("Iterable[str] | None", self._call(impl, kwargs))
                ids = None if result is None else set(result)
            except Exception as exc:
                msg = (
                    f"contact filter of plugin {impl.plugin_name!r} failed for destination "
                    f"{destination!r}: {type(exc).__name__}"
                )
                raise PermanentError(msg) from exc
            if ids is not None:
                keep = ids if keep is None else keep & ids
        if keep is None:
            return list(contacts)
        return [contact for contact in contacts if contact.contact_id in keep]

    async def deliver(
        self,
        destination: str,
        operation: DeliveryLike,
        send: Callable[[], Awaitable[Sequence[Outcome]]],
    ) -> Sequence[Outcome]:
        """Run `send()` inside every `freehold_wrap_delivery` wrapper, as pluggy would.

        Wrappers are entered outermost first (tryfirst ones outermost) and left in reverse
        order; each sees the outcomes, or the exception, of everything inside it. It fits the
        engine's `DeliveryWrapper`; wrappers always receive a `DeliveryOperation`.

        Returns:
            The outcomes, as the outermost wrapper returned them.
        """
        if not isinstance(operation, DeliveryOperation):
            operation = DeliveryOperation(
                kind=DeliveryKind(operation.kind),
                connector=operation.connector,
                rows=operation.rows,
                audience_key=operation.audience_key,
            )
        kwargs: dict[str, object] = {"destination": destination, "operation": operation}
        impls = [impl for impl in self.hook.freehold_wrap_delivery.get_hookimpls() if impl.wrapper]
        entered: list[tuple[str, _Wrapper]] = []
        result: Sequence[Outcome] = []
        error: BaseException | None = None
        try:
            for impl in reversed(impls):
                generator = cast(
                    "Generator[None, Sequence[Outcome], Sequence[Outcome]]",
                    self._call(impl, kwargs),
                )
                next(generator)
                entered.append((impl.plugin_name, generator))
        except StopIteration:
            error = PermanentError("a freehold_wrap_delivery wrapper did not yield")
        except BaseException as exc:
            error = exc
        if error is None:
            try:
                result = await send()
            except BaseException as exc:
                error = exc
        for plugin_name, generator in reversed(entered):
            result, error = _leave_wrapper(plugin_name, generator, result, error)
        if error is not None:
            raise error
        return result


def _leave_wrapper(
    plugin_name: str,
    generator: _Wrapper,
    result: Sequence[Outcome],
    error: BaseException | None,
) -> tuple[Sequence[Outcome], BaseException | None]:
    try:
        if error is not None:
            generator.throw(error)
        else:
            generator.send(result)
    except StopIteration as stop:
        return cast("Sequence[Outcome]", stop.value), None
    except BaseException as exc:
        return result, exc
    generator.close()
    msg = f"freehold_wrap_delivery wrapper of plugin {plugin_name!r} yielded more than once"
    return result, PermanentError(msg)


def _connector_problem(cls: object) -> str | None:
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        return f"{cls!r} is not a Connector subclass"
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not _CONNECTOR_NAME.match(name):
        return f"connector {cls.__name__} needs a lowercase slug 'name'"
    config_model = getattr(cls, "config_model", None)
    if not (isinstance(config_model, type) and issubclass(config_model, ConnectorConfig)):
        return f"connector {name!r} needs a 'config_model' subclassing ConnectorConfig"
    if inspect.isabstract(cls):
        missing = ", ".join(sorted(getattr(cls, "__abstractmethods__", ())))
        return f"connector {name!r} leaves abstract methods unimplemented: {missing}"
    return None
