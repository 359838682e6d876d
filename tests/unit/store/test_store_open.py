"""Opening, creating and upgrading a store; the schema the migrations build."""

from __future__ import annotations

import os
import stat

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from freehold.core.errors import ConfigError
from freehold.core.store import Store
from freehold.core.store import _migrate as migrate
from freehold.core.store.schema import contacts, ledger, metadata, store_meta


def test_a_fresh_store_is_created_at_the_head_revision(store: Store) -> None:
    with store.begin() as connection:
        assert migrate.current_revision(connection) == migrate.head_revision()
        tables = set(sa.inspect(connection).get_table_names())
    assert set(metadata.tables) <= tables


def test_the_migrations_build_exactly_the_declared_schema(store: Store) -> None:
    with store.begin() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_sqlite_store_file_is_private_and_in_wal_mode(tmp_path) -> None:
    path = tmp_path / "sub" / "freehold.db"
    with Store.open(f"sqlite:///{path}") as store, store.begin() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_open_without_create_refuses_a_missing_file(tmp_path) -> None:
    with pytest.raises(ConfigError, match="freehold store upgrade"):
        Store.open(f"sqlite:///{tmp_path / 'missing.db'}", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_open_without_create_refuses_an_empty_database(postgres_url: str) -> None:
    with pytest.raises(ConfigError, match="freehold store upgrade"):
        Store.open(postgres_url, create=False)


def test_upgrade_creates_then_has_nothing_left_to_do(store_url: str) -> None:
    first = Store.upgrade(store_url)
    second = Store.upgrade(store_url)
    assert first.before is None
    assert first.changed
    assert second.before == second.after == migrate.head_revision()
    assert not second.changed
    with Store.open(store_url, create=False) as store:
        assert store.dialect in {"sqlite", "postgresql"}


def test_an_older_store_must_be_upgraded_first(store_url: str) -> None:
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        command.upgrade(migrate._config(connection), "0001")
        connection.exec_driver_sql(
            "INSERT INTO contacts (pk, contact_id, created_at, updated_at) "
            "VALUES (7, 'c7', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO ledger (audience_key, destination, contact_pk, member_key, sent, "
            "acknowledged_at, refreshed_at) VALUES ('vip', 'ads', 7, 'k', '{}', "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    engine.dispose()
    with pytest.raises(ConfigError, match=r"revision 0001.*freehold store upgrade"):
        Store.open(store_url)

    revision = Store.upgrade(store_url)

    assert (revision.before, revision.after) == ("0001", migrate.head_revision())
    with Store.open(store_url) as store, store.begin() as connection:
        assert "run_batches" in sa.inspect(connection).get_table_names()
        # Existing contacts start at revision 1; existing ledger rows have none (looked at once).
        assert connection.execute(sa.select(contacts.c.revision)).scalar_one() == 1
        assert connection.execute(sa.select(ledger.c.revision, ledger.c.basis)).one() == (
            None,
            None,
        )


def test_a_store_from_a_newer_freehold_is_refused(store_url: str) -> None:
    with Store.open(store_url) as store, store.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'zz99'")
    with pytest.raises(ConfigError, match="unknown to this freehold"):
        Store.open(store_url)


def test_a_database_holding_other_tables_is_not_taken_over(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE customers (id INTEGER)")
    engine.dispose()
    with pytest.raises(ConfigError, match="no freehold store revision"):
        Store.open(url)
    with pytest.raises(ConfigError, match="no freehold store revision"):
        Store.upgrade(url)


def test_a_bad_url_is_a_config_error_that_does_not_echo_it() -> None:
    with pytest.raises(ConfigError) as caught:
        Store.open("not a url with s3cret")
    assert "s3cret" not in str(caught.value)


def test_repr_and_url_mask_the_password() -> None:
    url = "postgresql+psycopg://freehold:s3cret@db.invalid/crm"
    store = Store(sa.create_engine(url), salt="00")  # an engine is lazy: nothing connects
    assert "s3cret" not in repr(store)
    assert "s3cret" not in store.url
    assert "***" in store.url
    store.close()


def test_plain_postgresql_urls_use_psycopg(postgres_url: str) -> None:
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with Store.open(plain) as store:
        assert store.engine.dialect.driver == "psycopg"


def test_the_tombstone_salt_is_made_once_and_kept(store_url: str) -> None:
    with Store.open(store_url) as store:
        first = store.tombstone_digest("email", "ada@example.com")
    with Store.open(store_url) as store:
        assert store.tombstone_digest("email", "ada@example.com") == first
        with store.begin() as connection:
            assert connection.scalar(sa.select(sa.func.count()).select_from(store_meta)) == 1
    assert len(first) == 64
