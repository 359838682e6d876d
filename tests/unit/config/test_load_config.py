"""Loading freehold.yaml: secrets, connector settings, every problem with its path and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from freehold.core.config import (
    EMULATOR_BASE_URL,
    ConfigProblem,
    ProjectConfig,
    check_config,
    load_config,
)
from freehold.core.errors import ConfigError
from freehold.core.models import LifecycleStage, SyncMode
from freehold.core.redaction import redact

VALID = """
store: sqlite:///data/freehold.db
destinations:
  social_ads:
    connector: ads
    ad_account_id: act_123
    access_token: ${TEST_ADS_TOKEN}
    send_unknown_consent: false
  email:
    connector: mail
    api_key: ${TEST_MAIL_KEY}
    double_opt_in: true
    fields: {first_name: FNAME}
  old_email:
    connector: mail
    enabled: false
    api_key: ${TEST_MAIL_KEY}
audiences:
  vip:
    where:
      lifecycle: [customer, ambassador]
      attributes:
        plan: gold
        ltv: {gte: 500}
        country: {in: [FR, BE]}
      behaviour:
        - {did: purchase, within_days: 365, sum_at_least: 500}
    to: [social_ads, email]
    mode: mirror
  from_file:
    file: lists/vip.csv
    to: [email]
events:
  purchase: {to: [social_ads]}
  "*": {to: [social_ads]}
imports:
  customers: {kind: contacts, columns: {E-mail: email, Newsletter: consent.email_marketing}}
"""


@pytest.fixture
def env(monkeypatch, sensitive_values):
    values = {"TEST_ADS_TOKEN": "EAAtesttoken123", "TEST_MAIL_KEY": "0123456789abcdef-us21"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    sensitive_values.register(*values.values())
    return values


def _problems(check):
    return [(p.line, p.path, p.message) for p in check.problems]


def test_a_valid_file_loads_with_connector_settings_and_resolved_secrets(
    write_yaml, connectors, env
):
    path = write_yaml(VALID)
    config = load_config(path, connectors=connectors)
    assert isinstance(config, ProjectConfig)
    ads = config.destinations["social_ads"]
    assert type(ads.settings).__name__ == "AdsConfig"
    assert ads.settings.access_token.get_secret_value() == env["TEST_ADS_TOKEN"]
    assert env["TEST_ADS_TOKEN"] not in repr(config)
    assert config.destinations["email"].double_opt_in is True
    assert config.destinations["email"].fields == {"first_name": "FNAME"}
    assert config.destinations["old_email"].enabled is False
    vip = config.audiences["vip"]
    assert vip.mode is SyncMode.MIRROR
    assert vip.where.lifecycle == [LifecycleStage.CUSTOMER, LifecycleStage.AMBASSADOR]
    assert vip.where.attributes["plan"] == "gold"
    assert vip.where.attributes["ltv"].gte == 500
    assert vip.where.attributes["country"].in_ == ["FR", "BE"]
    assert config.events["*"].to == ["social_ads"]


def test_relative_sqlite_store_and_audience_files_resolve_next_to_the_file(
    write_yaml, connectors, env
):
    path = write_yaml(VALID)
    config = load_config(path, connectors=connectors)
    base = path.resolve().parent
    assert config.store == f"sqlite:///{base / 'data' / 'freehold.db'}"
    assert config.audiences["from_file"].file == str(base / "lists" / "vip.csv")


def test_memory_and_absolute_stores_are_kept(write_yaml, connectors):
    for store in ("sqlite:///:memory:", "sqlite:////var/lib/freehold.db", "postgresql://db/x"):
        config = load_config(write_yaml(f"store: '{store}'\n"), connectors=connectors)
        assert config.store == store


def test_resolved_secrets_are_masked_in_logs(write_yaml, connectors, env):
    load_config(write_yaml(VALID), connectors=connectors)
    assert redact(f"token {env['TEST_ADS_TOKEN']}") == "token [redacted secret]"


def test_a_literal_secret_is_refused_with_how_to_fix_it(write_yaml, connectors, env):
    path = write_yaml(
        """
        destinations:
          social_ads:
            connector: ads
            ad_account_id: act_123
            access_token: EAAliteral-token-in-file
            oauth:
              client_id: abc
              client_secret: literal-client-secret
        """
    )
    check = check_config(path, connectors=connectors)
    assert check.config is None
    assert _problems(check) == [
        (
            5,
            "destinations.social_ads.access_token",
            "a secret cannot be written in the file; put it in an environment variable and "
            "write ${SOCIAL_ADS_ACCESS_TOKEN} here",
        ),
        (
            8,
            "destinations.social_ads.oauth.client_secret",
            "a secret cannot be written in the file; put it in an environment variable and "
            "write ${SOCIAL_ADS_OAUTH_CLIENT_SECRET} here",
        ),
    ]
    text = " ".join(str(p) for p in check.problems)
    assert "EAAliteral" not in text
    assert "literal-client-secret" not in text


def test_five_different_mistakes_are_all_reported_with_paths_and_lines(write_yaml, connectors):
    path = write_yaml(
        """
        store: sqlite:///freehold.db
        destinations:
          social_ads:
            connector: ads
            ad_account_id: act_123
            access_token: not-a-reference
          email:
            connector: sendmail
        audiences:
          vip:
            where: {lifecycle: [customer]}
            to: [social_ads, search_ads]
            mode: sometimes
        events:
          purchase: {to: [social_ads]}
        sync:
          max_removal_sharee: 0.5
        """
    )
    check = check_config(path, connectors=connectors)
    assert check.config is None
    assert _problems(check) == [
        (
            6,
            "destinations.social_ads.access_token",
            "a secret cannot be written in the file; put it in an environment variable and "
            "write ${SOCIAL_ADS_ACCESS_TOKEN} here",
        ),
        (8, "destinations.email.connector", "unknown connector 'sendmail' (installed: ads, mail)"),
        (
            12,
            "audiences.vip.to[1]",
            "no destination named 'search_ads' (destinations: email, social_ads)",
        ),
        (13, "audiences.vip.mode", "Input should be 'add_only' or 'mirror'"),
        (17, "sync.max_removal_sharee", "unknown key"),
    ]
    rendered = [str(p) for p in check.problems]
    assert rendered[0].startswith(f"{path}:6: destinations.social_ads.access_token: ")


def test_load_config_raises_one_config_error_naming_every_problem_on_one_line(
    write_yaml, connectors
):
    path = write_yaml(
        """
        destinations:
          email: {connector: mail, api_key: "${UNSET_FOR_THIS_TEST_XYZ}"}
        audiences:
          vip: {where: {lifecycle: [customer]}, to: [ghost]}
        """
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, connectors=connectors)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: 2 problems: ")
    assert "line 2: destinations.email.api_key: ${UNSET_FOR_THIS_TEST_XYZ} is not set" in message
    assert "line 4: audiences.vip.to[0]: no destination named 'ghost'" in message


def test_an_unset_reference_is_reported_once_without_a_missing_field_error(
    write_yaml, connectors, monkeypatch
):
    monkeypatch.delenv("UNSET_FOR_THIS_TEST_XYZ", raising=False)
    path = write_yaml(
        """
        destinations:
          email:
            connector: mail
            api_key: ${UNSET_FOR_THIS_TEST_XYZ}
        """
    )
    assert _problems(check_config(path, connectors=connectors)) == [
        (
            4,
            "destinations.email.api_key",
            "${UNSET_FOR_THIS_TEST_XYZ} is not set (no such environment variable, and no "
            "secret plugin resolved it)",
        )
    ]


def test_a_resolver_plugin_answers_references(write_yaml, connectors, sensitive_values):
    sensitive_values.register("vaulted-mail-key")
    asked = []

    def resolve(reference):
        asked.append(reference)
        return "vaulted-mail-key" if reference == "vault:mail#key" else None

    path = write_yaml("destinations:\n  email: {connector: mail, api_key: '${vault:mail#key}'}\n")
    config = load_config(path, connectors=connectors, resolve_secret=resolve)
    assert config.destinations["email"].settings.api_key.get_secret_value() == "vaulted-mail-key"
    assert asked == ["vault:mail#key"]


def test_references_in_the_store_url_are_resolved_and_masked(
    write_yaml, connectors, monkeypatch, sensitive_values
):
    monkeypatch.setenv("TEST_PG_PASSWORD", "pg-pass-9876")
    sensitive_values.register("pg-pass-9876")
    path = write_yaml("store: postgresql://app:${TEST_PG_PASSWORD}@db.internal/freehold\n")
    config = load_config(path, connectors=connectors)
    assert config.store == "postgresql://app:pg-pass-9876@db.internal/freehold"
    assert redact("pg-pass-9876") == "[redacted secret]"


def test_unknown_settings_keys_list_what_the_connector_accepts(write_yaml, connectors, env):
    path = write_yaml(
        """
        destinations:
          email:
            connector: mail
            api_key: ${TEST_MAIL_KEY}
            listid: abc
        """
    )
    ((line, where, message),) = _problems(check_config(path, connectors=connectors))
    assert (line, where) == (5, "destinations.email.listid")
    assert message.startswith("unknown key (this connector accepts: api_base_url, api_key, ")
    assert "list_id" in message


def test_a_destination_without_connector_is_reported(write_yaml, connectors):
    path = write_yaml("destinations:\n  email:\n    enabled: true\n")
    assert _problems(check_config(path, connectors=connectors)) == [
        (2, "destinations.email.connector", "required key is missing")
    ]


def test_emulate_needs_no_credentials_and_takes_overrides(write_yaml, connectors):
    path = write_yaml(
        """
        destinations:
          social_ads:
            connector: ads
            emulate: true
            ad_account_id: act_override
        """
    )
    settings = load_config(path, connectors=connectors).destinations["social_ads"].settings
    assert settings.ad_account_id == "act_override"
    assert settings.access_token.get_secret_value() == "emulator-token"
    assert str(settings.api_base_url).startswith(EMULATOR_BASE_URL)


def test_emulate_on_a_connector_without_emulator_is_reported(write_yaml, connectors):
    path = write_yaml("destinations:\n  email:\n    connector: mail\n    emulate: true\n")
    assert _problems(check_config(path, connectors=connectors)) == [
        (2, "destinations.email.api_key", "required key is missing"),
        (
            4,
            "destinations.email.emulate",
            "connector 'mail' ships no emulator; remove emulate: true",
        ),
    ]


def test_yaml_syntax_errors_name_their_line(write_yaml, connectors):
    path = write_yaml("destinations:\n  email: {connector: mail\naudiences: {}\n")
    ((line, where, message),) = _problems(check_config(path, connectors=connectors))
    assert line == 3
    assert where == ""
    assert message.startswith("YAML syntax: ")


def test_duplicate_keys_are_reported(write_yaml, connectors):
    path = write_yaml("store: sqlite:///a.db\nstore: sqlite:///b.db\n")
    assert _problems(check_config(path, connectors=connectors)) == [
        (2, "store", "key given twice (only the last one would count)")
    ]


def test_a_missing_file_says_how_to_start(tmp_path, connectors):
    check = check_config(tmp_path / "nope.yaml", connectors=connectors)
    assert [str(p) for p in check.problems] == [
        f"{tmp_path / 'nope.yaml'}: no such file; `freehold init` writes a starter project"
    ]


def test_an_empty_file_is_a_valid_empty_project(write_yaml, connectors):
    config = load_config(write_yaml(""), connectors=connectors)
    assert config.destinations == {}
    assert config.sync.max_removal_share == 0.2


def test_a_document_that_is_not_a_mapping_is_refused(write_yaml, connectors):
    assert _problems(check_config(write_yaml("- a\n- b\n"), connectors=connectors)) == [
        (1, "", "the file must be a mapping of keys (store, destinations, audiences…)")
    ]


def test_a_bad_store_url_is_reported(write_yaml, connectors):
    assert _problems(check_config(write_yaml("store: not a url\n"), connectors=connectors)) == [
        (1, "store", "not a database URL (sqlite:///freehold.db, postgresql://…)")
    ]


def test_unknown_audience_builders_are_reported_when_builders_are_known(write_yaml, connectors):
    path = write_yaml(
        """
        audiences:
          champions: {builder: rfm, params: {segment: champions}}
          gold: {builder: ltv_tiers}
        """
    )
    assert check_config(path, connectors=connectors).config is not None
    assert _problems(check_config(path, connectors=connectors, audience_builders={"rfm"})) == [
        (3, "audiences.gold.builder", "no audience builder named 'ltv_tiers' (installed: rfm)")
    ]


def test_model_errors_deep_in_lists_and_unions_map_to_their_lines(write_yaml, connectors):
    path = write_yaml(
        """
        audiences:
          vip:
            where:
              lifecycle: [customer, wizard]
              attributes:
                ltv: {gtt: 5}
                tags: [a, b]
              behaviour:
                - {did: purchase}
                - {did: purchase, did_not: refund}
        """
    )
    assert _problems(check_config(path, connectors=connectors)) == [
        (
            4,
            "audiences.vip.where.lifecycle[1]",
            "Input should be 'suspect', 'prospect', 'customer', 'fan' or 'ambassador'",
        ),
        (6, "audiences.vip.where.attributes.ltv.gtt", "unknown key"),
        (7, "audiences.vip.where.attributes.tags", "expected a string, number, boolean or date"),
        (10, "audiences.vip.where.behaviour[1]", "give exactly one of did, did_not"),
    ]


def test_problem_renders_without_line_or_path():
    problem = ConfigProblem(Path("f.yaml"), "", None, "bad")
    assert str(problem) == "f.yaml: bad"


def test_emulate_is_read_as_pydantic_reads_flags(write_yaml, connectors):
    path = write_yaml("destinations:\n  social_ads: {connector: ads, emulate: 'yes'}\n")
    config = load_config(path, connectors=connectors)
    assert config.destinations["social_ads"].emulate is True
    assert config.destinations["social_ads"].settings.ad_account_id == "act_emulated"
