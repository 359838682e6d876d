"""Typed reads of a JSON scalar in SQL, rendered for SQLite and PostgreSQL (JSONB).

Each construct yields the value when the JSON holds that type and NULL otherwise, so a
comparison never fails on a value of another type (PostgreSQL would abort on a bad cast).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Float, Text
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["json_boolean", "json_number", "json_string", "json_type_name"]


class json_number(FunctionElement[float]):  # noqa: N801 (SQL function naming)
    """The JSON value as a float when it is a number, else NULL."""

    type = Float()
    name = "json_number"
    inherit_cache = True


class json_string(FunctionElement[str]):  # noqa: N801
    """The JSON value as text when it is a string, else NULL."""

    type = Text()
    name = "json_string"
    inherit_cache = True


class json_boolean(FunctionElement[bool]):  # noqa: N801
    """The JSON value as a boolean when it is `true` or `false`, else NULL."""

    type = Boolean()
    name = "json_boolean"
    inherit_cache = True


class json_type_name(FunctionElement[str]):  # noqa: N801
    """The JSON type of the value: `null` for JSON null; NULL for SQL NULL."""

    type = Text()
    name = "json_type_name"
    inherit_cache = True


_TEMPLATES: dict[str, dict[str, str]] = {
    "sqlite": {
        "json_number": (
            "(CASE WHEN json_type({arg}) IN ('integer', 'real') THEN json_extract({arg}, '$') END)"
        ),
        "json_string": "(CASE WHEN json_type({arg}) = 'text' THEN json_extract({arg}, '$') END)",
        "json_boolean": "(CASE json_type({arg}) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)",
        "json_type_name": "json_type({arg})",
    },
    "postgresql": {
        "json_number": (
            "(CASE WHEN jsonb_typeof({arg}) = 'number' THEN ({arg} #>> '{{}}')::float8 END)"
        ),
        "json_string": "(CASE WHEN jsonb_typeof({arg}) = 'string' THEN {arg} #>> '{{}}' END)",
        "json_boolean": (
            "(CASE WHEN jsonb_typeof({arg}) = 'boolean' THEN ({arg} #>> '{{}}')::boolean END)"
        ),
        "json_type_name": "jsonb_typeof({arg})",
    },
}
"""Per dialect, the SQL of each construct around its argument (`{arg}`)."""


def _render(element: FunctionElement[object], compiler: SQLCompiler, **kw: object) -> str:
    templates = _TEMPLATES.get(compiler.dialect.name)
    if templates is None:
        msg = (
            "audience filters on attributes support SQLite and PostgreSQL, "
            f"not {compiler.dialect.name}"
        )
        raise CompileError(msg)
    return templates[element.name].format(arg=compiler.process(element.clauses, **kw))


for _construct in (json_number, json_string, json_boolean, json_type_name):
    compiles(_construct)(_render)
