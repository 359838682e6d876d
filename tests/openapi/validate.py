"""Check emulator exchanges against a vendor's OpenAPI document with openapi-core.

An emulator records every exchange as a `Receipt` (method, path, query, bodies, status, media
types). `OpenApiDocument` loads a vendor document once, applies documented `Correction`s (places
where the copied document contradicts the vendor's own documentation), and reports every way a
receipt departs from the document:

- a path or method the document does not describe is a problem, never skipped;
- request parameters and body are validated; by default objects in request bodies may carry
  only the properties the document names (`strict_requests`), so a connector cannot send fields
  the vendor never documented;
- the response body is validated against the operation's response for that status (or its
  `default`).

Receipts carry no headers on purpose (credentials are never recorded), so the document's
security requirements and response headers are not checked here; each emulator's own tests cover
authentication.

Usage (once per test session, from a conftest):

    document = OpenApiDocument.load(path, corrections=(...,))
    document.check(emulator.receipts)      # raises AssertionError listing every problem
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from jsonschema_path import SchemaPath
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.validators import (
    V30RequestBodyValidator,
    V30RequestParametersValidator,
    V31RequestBodyValidator,
    V31RequestParametersValidator,
)
from openapi_core.validation.response.validators import (
    V30ResponseDataValidator,
    V31ResponseDataValidator,
)

from freehold.core.emulator import Receipt

__all__ = ["Correction", "OpenApiDocument", "describe_error", "relax_property_values"]

SPECS = Path(__file__).resolve().parent / "specs"
"""Where the vendor documents used by the tests are kept (see specs/SOURCES.md)."""

JSON_MEDIA_TYPES = (
    "application/problem+json",
    "application/vnd.api+json",
)
"""JSON media types openapi-core does not decode by itself."""


@dataclass(frozen=True, slots=True)
class Correction:
    """A documented fix to a vendor document, applied in memory when it is loaded.

    `apply` edits the raw document and returns how many places it changed; a correction that
    changes nothing is stale and makes loading fail, so fixes cannot outlive the defect.
    """

    name: str
    reason: str
    apply: Callable[[dict[str, Any]], int]


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def relax_property_values(property_name: str, *, was: Mapping[str, Any]) -> Callable[..., int]:
    """Return a correction body letting every `property_name` map hold any JSON value.

    Only properties whose `additionalProperties` holds every key and value of `was` are changed
    (their description is kept).
    """

    def apply(document: dict[str, Any]) -> int:
        changed = 0
        for node in _walk(document.get("components", {})):
            properties = node.get("properties")
            if not isinstance(properties, dict):
                continue
            target = properties.get(property_name)
            values = target.get("additionalProperties") if isinstance(target, dict) else None
            if isinstance(values, dict) and all(values.get(k) == v for k, v in was.items()):
                target["additionalProperties"] = {k: v for k, v in values.items() if k not in was}
                changed += 1
        return changed

    return apply


class _Memo:
    """Verdicts openapi-core would compute again and again for the same inputs.

    openapi-core finds the operation anew for each validator and each request, and resolves and
    validates every parameter an operation declares (defaults included) on every request. On a
    vendor document with 166 paths and twenty optional query parameters per operation this
    dominates the cost, yet each answer depends only on the document and a few inputs: the
    method and URL for the operation, one parameter's declaration and raw value for its
    verdict. They are computed once per document and session.
    """

    def __init__(self) -> None:
        self.paths: dict[tuple[str, str], tuple[bool, Any]] = {}
        self.parameters: dict[tuple[Any, ...], tuple[bool, Any]] = {}

    @staticmethod
    def replay(table: dict[Any, tuple[bool, Any]], key: Any, compute: Callable[[], Any]) -> Any:
        """Return (or raise again) what `compute()` gave the first time `key` was seen."""
        if key not in table:
            try:
                table[key] = (True, compute())
            except Exception as exc:  # replayed below, for every later request alike
                table[key] = (False, exc)
        ok, value = table[key]
        if not ok:
            raise value
        return value


class _CachingFactory:
    """Builds each schema's validator once; openapi-core builds one per request.

    With strict request bodies, openapi-core even defines a new jsonschema validator class per
    request, which costs more than the validation itself. A built validator holds no state
    between validations, so one per schema (and strictness) serves every request.
    """

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self._built: dict[tuple[Any, ...], Any] = {}

    def create(self, spec: SchemaPath, schema: SchemaPath, **options: Any) -> Any:
        """Return the validator of `schema`, built on first use."""
        key = (
            schema.parts,
            options.get("forbid_unspecified_additional_properties", False),
            options.get("enforce_properties_required", False),
        )
        if key not in self._built:
            self._built[key] = self._factory.create(spec, schema, **options)
        return self._built[key]


def _memoized(validator_cls: type[Any], memo: _Memo) -> type[Any]:
    """Return `validator_cls` with operation lookups and parameter verdicts shared in `memo`.

    This overrides two private methods of openapi-core (`_find_path`, `_get_parameter`); the
    validation itself is openapi-core's own.
    """

    class Memoized(validator_cls):  # type: ignore[misc, valid-type]
        def _find_path(self, request: Any) -> Any:
            key = (request.method, request.path)
            return memo.replay(memo.paths, key, lambda: super(Memoized, self)._find_path(request))

        def _get_parameter(self, parameters: Any, param: SchemaPath) -> Any:
            name = (param / "name").read_str()
            location = parameters[(param / "in").read_str()]
            getlist = getattr(location, "getlist", None)
            raw = tuple(getlist(name)) if getlist else location.get(name)
            return memo.replay(
                memo.parameters,
                (param.parts, raw),
                lambda: super(Memoized, self)._get_parameter(parameters, param),
            )

    return Memoized


def _drop_empty_content(document: dict[str, Any]) -> None:
    """Remove `content: {}` from responses: it means "no body", which openapi-core reads as a
    body it then finds missing."""
    for path_item in (document.get("paths") or {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for response in (operation.get("responses") or {}).values():
                if isinstance(response, dict) and response.get("content") == {}:
                    del response["content"]


def describe_error(exc: BaseException) -> str:
    """Return one readable line for an openapi-core error and the schema errors behind it."""
    parts = [f"{type(exc).__name__}: {exc}"]
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for error in getattr(current, "schema_errors", ()) or ():
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            parts.append(f"at {where}: {error.message}")
        current = current.__cause__ or current.__context__
    return "; ".join(parts)


class OpenApiDocument:
    """A vendor's OpenAPI document, ready to validate emulator receipts."""

    def __init__(
        self,
        raw: dict[str, Any],
        *,
        name: str,
        strict_requests: bool = True,
        json_media_types: Iterable[str] = JSON_MEDIA_TYPES,
    ) -> None:
        self.name = name
        self._seen: dict[tuple[Any, ...], list[str]] = {}
        _drop_empty_content(raw)
        self.spec = SchemaPath.from_dict(raw)
        self.host_url = self._host_url(raw)
        deserializers = {media: json.loads for media in json_media_types}
        version = str(raw.get("openapi", ""))
        if version.startswith("3.0"):
            body_cls, params_cls, data_cls = (
                V30RequestBodyValidator,
                V30RequestParametersValidator,
                V30ResponseDataValidator,
            )
        elif version.startswith("3.1"):
            body_cls, params_cls, data_cls = (
                V31RequestBodyValidator,
                V31RequestParametersValidator,
                V31ResponseDataValidator,
            )
        else:
            msg = f"{name}: unsupported OpenAPI version {version!r}"
            raise ValueError(msg)
        memo = _Memo()
        self._body = _memoized(body_cls, memo)(
            self.spec,
            extra_media_type_deserializers=deserializers,
            forbid_unspecified_additional_properties=strict_requests,
        )
        self._parameters = _memoized(params_cls, memo)(
            self.spec, extra_media_type_deserializers=deserializers
        )
        self._response = _memoized(data_cls, memo)(
            self.spec, extra_media_type_deserializers=deserializers
        )
        for validator in (self._body, self._parameters, self._response):
            validator.schema_validators_factory = _CachingFactory(
                validator.schema_validators_factory
            )

    @classmethod
    def load(
        cls,
        path: Path,
        *,
        corrections: Iterable[Correction] = (),
        strict_requests: bool = True,
    ) -> OpenApiDocument:
        """Read a JSON or YAML document, apply `corrections`, and prepare the validators.

        Raises:
            ValueError: a correction changed nothing (the document no longer has the defect).
        """
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        for correction in corrections:
            if correction.apply(raw) == 0:
                msg = f"{path.name}: correction {correction.name!r} changed nothing (stale?)"
                raise ValueError(msg)
        return cls(raw, name=path.name, strict_requests=strict_requests)

    @staticmethod
    def _host_url(raw: Mapping[str, Any]) -> str:
        servers = raw.get("servers") or [{"url": "https://example.invalid"}]
        url = str(servers[0]["url"])
        for variable, spec in (servers[0].get("variables") or {}).items():
            url = url.replace("{" + variable + "}", str(spec.get("default", "")))
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    def problems(self, receipt: Receipt, *, check_request: bool = True) -> list[str]:
        """Return every way `receipt` departs from the document (empty when it conforms).

        `check_request=False` checks only the answer: for a request a test sends off the
        document on purpose, to see the emulator refuse it in the vendor's shape.
        """
        key = (
            check_request,
            receipt.method,
            receipt.path,
            tuple(sorted((k, tuple(v)) for k, v in receipt.query.items())),
            receipt.content_type,
            receipt.body,
            receipt.status,
            receipt.response_body,
            receipt.response_type,
        )
        if key not in self._seen:
            self._seen[key] = self._problems(receipt, check_request=check_request)
        return list(self._seen[key])

    def _problems(self, receipt: Receipt, *, check_request: bool) -> list[str]:
        where = f"{receipt.method} {receipt.path} -> {receipt.status}"
        request = MockRequest(
            self.host_url,
            receipt.method,
            receipt.path,
            args=dict(receipt.query),
            data=receipt.body or None,
            content_type=receipt.content_type or "application/json",
        )
        found: list[str] = []
        for validator in (self._parameters, self._body) if check_request else ():
            found.extend(
                f"{where}: request: {describe_error(error)}"
                for error in validator.iter_errors(request)
            )
        response = MockResponse(
            receipt.response_body,
            status_code=receipt.status,
            content_type=receipt.response_type,
        )
        found.extend(
            f"{where}: response: {describe_error(error)}"
            for error in self._response.iter_errors(request, response)
        )
        return list(dict.fromkeys(found))

    def check(self, receipts: Iterable[Receipt], *, off_document: Container[int] = ()) -> int:
        """Validate every receipt; return how many were checked.

        Args:
            receipts: the exchanges, in order.
            off_document: positions of receipts whose request was sent off the document on
                purpose; only their answers are checked.

        Raises:
            AssertionError: at least one receipt departs from the document; lists them all.
        """
        count = 0
        found: list[str] = []
        for position, receipt in enumerate(receipts):
            count += 1
            found.extend(self.problems(receipt, check_request=position not in off_document))
        if found:
            unique = list(dict.fromkeys(found))
            listing = "\n  ".join(unique)
            msg = f"{len(unique)} exchange(s) depart from {self.name}:\n  {listing}"
            raise AssertionError(msg)
        return count
