"""Load `freehold.yaml`: parse with lines, resolve secrets, validate, report every problem."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from freehold.core.config._models import DestinationConfig, ProjectConfig
from freehold.core.config._secrets import SecretResolver, SecretWalk, env_resolver
from freehold.core.config._yaml import YamlDocument, YamlPath, format_path, parse_yaml
from freehold.core.connector import ConnectorConfig
from freehold.core.errors import ConfigError

if TYPE_CHECKING:
    from freehold.core.connector import Connector

__all__ = ["EMULATOR_BASE_URL", "ConfigCheck", "ConfigProblem", "check_config", "load_config"]

EMULATOR_BASE_URL = "http://emulator.invalid"
"""The base URL given to `Connector.emulator_config` for `emulate: true` destinations.

The emulator is reached in-process through its transport, so the host never resolves.
"""

_COMMON_KEYS = frozenset(DestinationConfig.model_fields) - {"settings"}

_MESSAGES = {
    "missing": "required key is missing",
    "extra_forbidden": "unknown key",
}


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong in a project file.

    Attributes:
        file: the project file.
        path: where in the document (`destinations.email.api_key`); empty for the whole file.
        line: the 1-based line, when known.
        message: what is wrong and, where it helps, how to fix it. Never a secret value.
    """

    file: Path
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ConfigCheck:
    """The outcome of checking a project file: the config when valid, and every problem.

    Attributes:
        file: the project file.
        config: the validated config, or None when there are problems.
        problems: every problem found, in document order.
    """

    file: Path
    config: ProjectConfig | None
    problems: tuple[ConfigProblem, ...]


def load_config(
    path: str | Path,
    *,
    connectors: Mapping[str, type[Connector[Any]]],
    resolve_secret: SecretResolver | None = None,
    audience_builders: Collection[str] | None = None,
) -> ProjectConfig:
    """Load and validate a project file.

    Args:
        path: the `freehold.yaml` to read.
        connectors: installed connector classes by name; each destination's settings are
            validated with its connector's `config_model`.
        resolve_secret: resolves the text inside `${...}`; by default environment variables.
        audience_builders: names of the registered audience builders; when given, an audience
            naming another builder is a problem.

    Returns:
        The validated config, with secrets resolved and relative paths made absolute.

    Raises:
        ConfigError: listing every problem, each with its YAML path and line.
    """
    check = check_config(
        path,
        connectors=connectors,
        resolve_secret=resolve_secret,
        audience_builders=audience_builders,
    )
    if check.config is None:
        count = len(check.problems)
        details = "; ".join(
            f"line {p.line}: {p.path or '(file)'}: {p.message}" if p.line else p.message
            for p in check.problems
        )
        msg = f"{check.file}: {count} problem{'s' if count != 1 else ''}: {details}"
        raise ConfigError(msg)
    return check.config


def check_config(
    path: str | Path,
    *,
    connectors: Mapping[str, type[Connector[Any]]],
    resolve_secret: SecretResolver | None = None,
    audience_builders: Collection[str] | None = None,
) -> ConfigCheck:
    """Check a project file and return the config with every problem found (never raises).

    Arguments are those of `load_config`.
    """
    file = Path(path)
    checker = _Checker(file, connectors, resolve_secret or env_resolver, audience_builders)
    config = checker.run()
    problems = tuple(checker.problems)
    return ConfigCheck(file=file, config=None if problems else config, problems=problems)


class _Checker:
    def __init__(
        self,
        file: Path,
        connectors: Mapping[str, type[Connector[Any]]],
        resolve: SecretResolver,
        builders: Collection[str] | None,
    ) -> None:
        self.file = file
        self.connectors = connectors
        self.walk = SecretWalk(resolve)
        self.builders = builders
        self.problems: list[ConfigProblem] = []
        self.doc = YamlDocument()

    def add(self, path: YamlPath, message: str) -> None:
        self.problems.append(
            ConfigProblem(self.file, format_path(path), self.doc.line_of(path), message)
        )

    def run(self) -> ProjectConfig | None:
        try:
            text = self.file.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.add((), "no such file; `freehold init` writes a starter project")
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.add((), f"cannot read the file ({type(exc).__name__})")
            return None
        try:
            self.doc = parse_yaml(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or "invalid YAML"
            line = mark.line + 1 if mark is not None else None
            self.problems.append(ConfigProblem(self.file, "", line, f"YAML syntax: {problem}"))
            return None
        for duplicate in self.doc.duplicates:
            self.add(duplicate, "key given twice (only the last one would count)")
        data = self.doc.data if self.doc.data is not None else {}
        if not isinstance(data, dict):
            self.add((), "the file must be a mapping of keys (store, destinations, audiences…)")
            return None
        data = dict(data)
        if isinstance(data.get("store"), str):
            data["store"] = self._store(data["store"])
        if isinstance(data.get("destinations"), dict):
            data["destinations"] = {
                name: self._destination(name, raw) for name, raw in data["destinations"].items()
            }
        config = self._validate(data)
        self._check_references(data)
        self.problems.extend(
            ConfigProblem(self.file, format_path(path), self.doc.line_of(path), message)
            for path, message in self.walk.problems
        )
        self.problems.sort(key=lambda p: (p.line or 0, p.path))
        return None if config is None else self._finish(config)

    def _store(self, raw: str) -> str:
        store = str(self.walk.plain(raw, ("store",), secret=True))
        if "${" not in store:
            try:
                make_url(store)
            except ArgumentError:
                self.add(("store",), "not a database URL (sqlite:///freehold.db, postgresql://…)")
        return store

    def _destination(self, name: object, raw: object) -> object:
        if not isinstance(raw, dict):
            return raw
        where: YamlPath = ("destinations", str(name))
        common = {key: value for key, value in raw.items() if key in _COMMON_KEYS}
        settings = {str(key): value for key, value in raw.items() if key not in _COMMON_KEYS}
        connector_name = raw.get("connector")
        connector = self.connectors.get(connector_name) if isinstance(connector_name, str) else None
        if connector is None:
            if isinstance(connector_name, str):
                known = ", ".join(sorted(self.connectors)) or "none"
                self.add(
                    (*where, "connector"),
                    f"unknown connector {connector_name!r} (installed: {known})",
                )
            return {**common, "settings": ConnectorConfig()}
        model = connector.config_model
        resolved = self.walk.settings(settings, model, where, hint=str(name))
        if _truthy(common.get("emulate")):
            base = connector.emulator_config(EMULATOR_BASE_URL)
            if base is None:
                self.add(
                    (*where, "emulate"),
                    f"connector {connector_name!r} ships no emulator; remove emulate: true",
                )
            else:
                resolved = {**base.model_dump(by_alias=True), **resolved}
        try:
            instance = model.model_validate(resolved)
        except ValidationError as exc:
            self._report(exc, where, resolved, allowed=sorted(_COMMON_KEYS | _keys(model)))
            instance = ConnectorConfig()
        return {**common, "settings": instance}

    def _validate(self, data: dict[str, Any]) -> ProjectConfig | None:
        try:
            return ProjectConfig.model_validate(data)
        except ValidationError as exc:
            self._report(exc, (), data)
            return None

    def _report(
        self,
        exc: ValidationError,
        where: YamlPath,
        data: object,
        *,
        allowed: list[str] | None = None,
    ) -> None:
        seen: set[tuple[YamlPath, str]] = set()
        for error in exc.errors(include_input=False, include_url=False):
            missing = error["type"] == "missing"
            path = (*where, *_data_path(data, error["loc"], missing=missing))
            message = _MESSAGES.get(error["type"], error["msg"])
            if error["type"] == "value_error":
                message = message.removeprefix("Value error, ")
            if error["type"] == "extra_forbidden" and allowed is not None:
                message = f"unknown key (this connector accepts: {', '.join(allowed)})"
            if (path, message) not in seen:
                seen.add((path, message))
                self.add(path, message)

    def _check_references(self, data: dict[str, Any]) -> None:
        destinations = data.get("destinations")
        names = set(destinations) if isinstance(destinations, dict) else set()
        for section in ("audiences", "events"):
            entries = data.get(section)
            if not isinstance(entries, dict):
                continue
            for key, entry in entries.items():
                targets = entry.get("to") if isinstance(entry, dict) else None
                if not isinstance(targets, list):
                    continue
                for index, target in enumerate(targets):
                    if isinstance(target, str) and target not in names:
                        known = ", ".join(sorted(map(str, names))) or "none defined"
                        self.add(
                            (section, key, "to", index),
                            f"no destination named {target!r} (destinations: {known})",
                        )
        audiences = data.get("audiences")
        if self.builders is None or not isinstance(audiences, dict):
            return
        for key, audience in audiences.items():
            builder = audience.get("builder") if isinstance(audience, dict) else None
            if isinstance(builder, str) and builder not in self.builders:
                known = ", ".join(sorted(self.builders)) or "none installed"
                self.add(
                    ("audiences", key, "builder"),
                    f"no audience builder named {builder!r} (installed: {known})",
                )

    def _finish(self, config: ProjectConfig) -> ProjectConfig | None:
        base = self.file.resolve().parent
        try:
            url = make_url(config.store)
        except ArgumentError:
            return None
        store = config.store
        if (
            url.get_backend_name() == "sqlite"
            and url.database
            and url.database != ":memory:"
            and not url.database.startswith("file:")
            and not Path(url.database).is_absolute()
        ):
            store = url.set(database=str(base / url.database)).render_as_string(hide_password=False)
        audiences = {
            key: audience.model_copy(update={"file": str(base / audience.file)})
            if audience.file and not Path(audience.file).is_absolute()
            else audience
            for key, audience in config.audiences.items()
        }
        return config.model_copy(update={"store": store, "audiences": audiences})


def _truthy(value: object) -> bool:
    """Read a flag as pydantic will (`true`, `yes`, `1`…); anything unreadable is False."""
    try:
        return TypeAdapter(bool).validate_python(value)
    except ValidationError:
        return False


def _keys(model: type[ConnectorConfig]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


def _data_path(data: object, loc: tuple[str | int, ...], *, missing: bool) -> YamlPath:
    """Map a pydantic error location onto the document, dropping union tags and model parts.

    For a missing key, the last location part names the key the document lacks.
    """
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        if (isinstance(current, dict) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        ):
            path.append(part)
            current = current[part]  # type: ignore[index] # part is an int for a list
        elif missing and index == len(loc) - 1:
            path.append(part)
    return tuple(path)
