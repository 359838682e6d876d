"""`freehold audiences list|preview|compute` through the real CLI group and plugin manager."""

from __future__ import annotations

import datetime as dt
import json
import textwrap

import pytest
from click.testing import CliRunner

from freehold.core.testing.fake import FakeConnector
from freehold.plugins._builtins import BUILTIN_PLUGINS
from freehold.plugins._markers import hookimpl
from freehold.plugins.cli import create_cli
from freehold.plugins.manager import DISABLE_AUTOLOAD_ENV, FreeholdPluginManager

MINE = ("freehold.plugins.builtin.audiences", "freehold.plugins.cli.commands.audiences")


class FakeVendor:
    @staticmethod
    @hookimpl
    def freehold_register_connectors(register):
        register(FakeConnector)


@pytest.fixture
def project(store, seed, tmp_path, monkeypatch):
    monkeypatch.setenv(DISABLE_AUTOLOAD_ENV, "1")
    monkeypatch.setenv("FAKE_KEY", "k-123")
    url = store.engine.url.render_as_string(hide_password=False)
    (tmp_path / "freehold.yaml").write_text(
        textwrap.dedent(
            """\
            store: "STORE_URL"
            destinations:
              social_ads:
                connector: fake
                api_key: ${FAKE_KEY}
                account_id: acct
            audiences:
              customers:
                name: Customers
                where: {lifecycle: [customer]}
                to: [social_ads]
                mode: mirror
              listed:
                file: list.csv
              amb:
                builder: ambassadors
                params: {events: {referral: 1}, at_least: 1}
              broken:
                sql: SELECT nope FROM nowhere
            """
        ).replace("STORE_URL", url)
    )
    (tmp_path / "list.csv").write_text("email\nann@example.com\nghost@example.com\n")
    ann = seed.contact("ann", lifecycle="customer", email="ann@example.com", phone="+33612345678")
    seed.contact("bob", lifecycle="customer")
    seed.contact("cid", lifecycle="fan", email="cid@example.com")
    seed.event(ann, "referral", days_ago=1)
    return tmp_path / "freehold.yaml"


def run(project, *args: str):
    plugins = FreeholdPluginManager()
    plugins.load(builtins=tuple(dict.fromkeys((*BUILTIN_PLUGINS, *MINE))))
    plugins.register_plugin(FakeVendor, name="fake-vendor")
    result = CliRunner().invoke(
        create_cli(plugins=plugins), ["--config", str(project), "audiences", *args]
    )
    return result


def test_list_shows_definitions_then_computed_counts(project) -> None:
    result = run(project, "list", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["key"]: row for row in json.loads(result.stdout)}
    assert rows["customers"] == {
        "key": "customers",
        "name": "Customers",
        "definition": "where",
        "to": ["social_ads"],
        "mode": "mirror",
        "members": None,
        "computed_at": None,
    }
    assert rows["amb"]["definition"] == "builder:ambassadors"
    assert rows["broken"]["definition"] == "sql"

    assert run(project, "compute", "customers").exit_code == 0
    rows = {row["key"]: row for row in json.loads(run(project, "list", "--json").stdout)}
    assert rows["customers"]["members"] == 2
    assert rows["customers"]["computed_at"] is not None
    text = run(project, "list").stdout  # CliRunner: an 80-column console
    assert "customers" in text
    assert "Customers" in text  # the name, under the key, when it differs
    assert "builder:" in text
    assert "…" not in text
    computed = dt.datetime.fromisoformat(rows["customers"]["computed_at"])
    assert computed.strftime("%Y-%m-%d %H:%M") in text


def test_preview_json_has_count_masked_sample_and_coverage(project) -> None:
    result = run(project, "preview", "customers", "--json")
    assert result.exit_code == 0, result.output
    preview = json.loads(result.stdout)
    assert preview["members"] == 2
    assert preview["kind"] == "where"
    first = preview["sample"][0]
    assert (first["contact_id"], first["email"], first["phone"]) == (
        "ann",
        "a***@e***.com",
        "***78",
    )
    [coverage] = preview["destinations"]
    assert coverage["destination"] == "social_ads"
    assert coverage["connector"] == "fake"
    assert coverage["share"] == 0.5
    assert "ann@example.com" not in result.output


def test_preview_text_for_every_kind(project) -> None:
    for key, expected in [
        ("customers", "2 members"),
        ("listed", "1 members, 1 rows matched no contact"),
        ("amb", "1 members"),
    ]:
        result = run(project, "preview", key, "--sample", "1")
        assert result.exit_code == 0, result.output
        assert expected in result.stdout
        assert "@example.com" not in result.stdout


def test_preview_of_an_unknown_audience_is_a_usage_error(project) -> None:
    result = run(project, "preview", "nope")
    assert result.exit_code == 2
    assert "no audience named 'nope'" in result.output


def test_a_failing_query_is_a_usage_error_naming_the_audience(project) -> None:
    result = run(project, "preview", "broken")
    assert result.exit_code == 2
    assert "audiences.broken.sql: the query failed" in result.output


def test_compute_one_and_all(project) -> None:
    result = run(project, "compute", "amb", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"key": "amb", "members": 1, "added": 1, "removed": 0, "unresolved": 0}
    ]
    everything = run(project, "compute")
    assert everything.exit_code == 2  # 'broken' stops the run, after the ones before it
    assert "audiences.broken.sql" in everything.output
