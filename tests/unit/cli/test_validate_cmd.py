"""`freehold validate`: every problem with path and line, exit 2; valid files exit 0."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

FIVE_MISTAKES = """
destinations:
  social_ads:
    connector: meta
    access_token: EAAliteral-in-file
  email:
    connector: sendgrid
audiences:
  vip:
    where: {lifecycle: [customer]}
    to: [social_ads, search_ads]
    mode: always
sync:
  max_removal_share: 0.2
  dry_run: true
"""


def _write(tmp_path, text):
    (tmp_path / "freehold.yaml").write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def test_five_mistakes_are_printed_with_paths_and_lines_and_exit_2(run, tmp_path):
    _write(tmp_path, FIVE_MISTAKES)
    result = run("validate")
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "freehold.yaml:4: destinations.social_ads.access_token: a secret cannot be written in "
        "the file; put it in an environment variable and write ${SOCIAL_ADS_ACCESS_TOKEN} here",
        "freehold.yaml:6: destinations.email.connector: unknown connector 'sendgrid' "
        "(installed: mailchimp, meta)",
        "freehold.yaml:10: audiences.vip.to[1]: no destination named 'search_ads' "
        "(destinations: email, social_ads)",
        "freehold.yaml:11: audiences.vip.mode: Input should be 'add_only' or 'mirror'",
        "freehold.yaml:14: sync.dry_run: unknown key",
    ]
    assert result.stderr == "5 problems in freehold.yaml\n"
    assert "EAAliteral" not in result.output


def test_json_output_lists_the_problems(run, tmp_path):
    _write(tmp_path, FIVE_MISTAKES)
    result = run("validate", "--json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert [(p["line"], p["path"]) for p in report["problems"]] == [
        (4, "destinations.social_ads.access_token"),
        (6, "destinations.email.connector"),
        (10, "audiences.vip.to[1]"),
        (11, "audiences.vip.mode"),
        (14, "sync.dry_run"),
    ]


def test_a_valid_file_exits_0(run, tmp_path):
    _write(tmp_path, "destinations:\n  social_ads: {connector: meta, emulate: true}\n")
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert result.stdout == "freehold.yaml: valid (1 destinations, 0 audiences, 0 event routes)\n"
    assert json.loads(run("validate", "--json").stdout) == {
        "file": "freehold.yaml",
        "problems": [],
        "valid": True,
    }


def test_a_missing_file_exits_2(run):
    result = run("--config", "elsewhere.yaml", "validate")
    assert result.exit_code == 2
    assert (
        result.stdout == "elsewhere.yaml: no such file; `freehold init` writes a starter project\n"
    )


def test_the_example_in_docs_cli_md_is_the_real_output(run, tmp_path):
    docs = (Path(__file__).resolve().parents[3] / "docs" / "cli.md").read_text(encoding="utf-8")
    example = re.search(r"```console\n\$ freehold validate\n(.*?)```", docs, re.DOTALL)
    assert example is not None
    _write(tmp_path, FIVE_MISTAKES)
    result = run("validate")
    assert example.group(1) == result.stdout + result.stderr
