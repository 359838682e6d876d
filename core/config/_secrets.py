"""`${REFERENCE}` secrets: find secret fields, resolve references, refuse literals."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, SecretBytes, SecretStr

from freehold.core.config._yaml import YamlPath
from freehold.core.redaction import RedactingFilter

__all__ = ["SecretResolver", "SecretWalk", "env_resolver", "is_secret_type"]

SecretResolver = Callable[[str], str | None]
"""Turns the text inside `${...}` into its value, or None when it does not know it."""

_WHOLE_REFERENCE = re.compile(r"^\$\{([^{}]+)\}$")
_ANY_REFERENCE = re.compile(r"\$\{([^{}]+)\}")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def env_resolver(reference: str) -> str | None:
    """Resolve `reference` as an environment variable name; empty counts as unset."""
    if not _ENV_NAME.match(reference):
        return None
    return os.environ.get(reference) or None


def is_secret_type(annotation: Any) -> bool:  # noqa: ANN401 - any typing construct
    """Return True when `annotation` is (or wraps, as in `SecretStr | None`) a pydantic secret."""
    if isinstance(annotation, type) and issubclass(annotation, SecretStr | SecretBytes):
        return True
    return any(is_secret_type(arg) for arg in get_args(annotation))


def _nested_model(annotation: Any) -> type[BaseModel] | None:  # noqa: ANN401 - any typing construct
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is Annotated:
        return _nested_model(get_args(annotation)[0])
    models = [model for arg in get_args(annotation) if (model := _nested_model(arg)) is not None]
    return models[0] if len(models) == 1 else None


@dataclass
class SecretWalk:
    """Resolves references in one part of the document and collects the problems found.

    Attributes:
        resolve: the secret resolver.
        problems: (path, message) pairs, in document order.
    """

    resolve: SecretResolver
    problems: list[tuple[YamlPath, str]] = field(default_factory=list)

    def settings(
        self, values: dict[str, Any], model: type[BaseModel] | None, path: YamlPath, *, hint: str
    ) -> dict[str, Any]:
        """Return `values` with references resolved; secret fields must be references.

        Args:
            values: the settings as read from YAML.
            model: the pydantic model they are for (its `SecretStr` fields are secret).
            path: where `values` sit in the document.
            hint: a prefix for suggested environment variable names (`EMAIL`).
        """
        fields = {}
        if model is not None:
            for name, info in model.model_fields.items():
                fields[info.alias or name] = info.annotation
        resolved: dict[str, Any] = {}
        for key, value in values.items():
            annotation = fields.get(key)
            here = (*path, key)
            if annotation is not None and is_secret_type(annotation):
                resolved[key] = self.secret(value, here, suggestion=f"{hint}_{key}".upper())
            elif isinstance(value, dict):
                nested = _nested_model(annotation) if annotation is not None else None
                resolved[key] = self.settings(value, nested, here, hint=f"{hint}_{key}")
            else:
                resolved[key] = self.plain(value, here)
        return resolved

    def secret(self, value: object, path: YamlPath, *, suggestion: str) -> object:
        """Resolve a secret field's value, which must be exactly one `${REFERENCE}`."""
        match = _WHOLE_REFERENCE.match(value) if isinstance(value, str) else None
        if match is None:
            if value is not None:
                self.problems.append(
                    (
                        path,
                        "a secret cannot be written in the file; put it in an environment "
                        f"variable and write ${{{suggestion}}} here",
                    )
                )
            return value
        resolved = self._lookup(match.group(1), path)
        if resolved is None:
            return value
        RedactingFilter.register_secret(resolved)
        return resolved

    def plain(self, value: object, path: YamlPath, *, secret: bool = False) -> object:
        """Replace every `${REFERENCE}` inside strings of `value` (lists included).

        Args:
            value: a scalar or list from the document.
            path: where it sits.
            secret: register the substituted values with the log redaction filter.
        """
        if isinstance(value, list):
            return [
                self.plain(item, (*path, index), secret=secret) for index, item in enumerate(value)
            ]
        if not isinstance(value, str) or "${" not in value:
            return value

        def substitute(match: re.Match[str]) -> str:
            resolved = self._lookup(match.group(1), path)
            if resolved is None:
                return match.group(0)
            if secret:
                RedactingFilter.register_secret(resolved)
            return resolved

        return _ANY_REFERENCE.sub(substitute, value)

    def _lookup(self, reference: str, path: YamlPath) -> str | None:
        resolved = self.resolve(reference)
        if resolved is None:
            self.problems.append(
                (
                    path,
                    f"${{{reference}}} is not set (no such environment variable, "
                    "and no secret plugin resolved it)",
                )
            )
        return resolved
