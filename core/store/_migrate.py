"""Schema revisions: run Alembic on the store's own connection, check a store is at head."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

from freehold.core.errors import ConfigError

__all__ = ["Revision", "check_revision", "current_revision", "head_revision", "upgrade_engine"]

logger = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass(frozen=True, slots=True)
class Revision:
    """Where a store stood before and after `upgrade`.

    Attributes:
        before: the revision found (None for an empty database).
        after: the revision reached (the head).
    """

    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        """True when the upgrade applied at least one revision."""
        return self.before != self.after


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """Return the newest revision this code knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        msg = "the store package ships no migrations"
        raise ConfigError(msg)
    return head


def current_revision(connection: Connection) -> str | None:
    """Return the revision a database is at, or None when it has no store tables yet."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_engine(engine: Engine) -> Revision:
    """Bring the database behind `engine` to the head revision (creating every table if empty).

    Raises:
        ConfigError: the database holds tables but no revision (not a freehold store), or a
            revision this code does not know (written by a newer freehold).
    """
    head = head_revision()
    with engine.begin() as connection:
        before = current_revision(connection)
        if before is None and _has_foreign_tables(connection):
            msg = "the database has tables but no freehold store revision; use an empty database"
            raise ConfigError(msg)
        _check_known(before)
        if before != head:
            command.upgrade(_config(connection), "head")
            logger.info("store upgraded from revision %s to %s", before, head)
    return Revision(before=before, after=head)


def check_revision(connection: Connection) -> str | None:
    """Return the store's revision, or None when the database is empty.

    Raises:
        ConfigError: the store is at an older or unknown revision; the message says to run
            `freehold store upgrade`.
    """
    found = current_revision(connection)
    if found is None:
        if _has_foreign_tables(connection):
            msg = "the database has tables but no freehold store revision; use an empty database"
            raise ConfigError(msg)
        return None
    _check_known(found)
    head = head_revision()
    if found != head:
        msg = (
            f"the store is at revision {found}, this freehold needs {head}: "
            "run `freehold store upgrade`"
        )
        raise ConfigError(msg)
    return found


def _check_known(revision: str | None) -> None:
    if revision is None:
        return
    script = ScriptDirectory.from_config(_config())
    if revision not in {rev.revision for rev in script.walk_revisions()}:
        msg = f"the store is at revision {revision}, unknown to this freehold (upgrade freehold)"
        raise ConfigError(msg)


def _has_foreign_tables(connection: Connection) -> bool:
    return bool(inspect(connection).get_table_names())
