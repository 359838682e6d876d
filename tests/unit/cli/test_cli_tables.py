"""Per-target tables: wide when they fit, on their side when not, never a value cut short."""

from __future__ import annotations

import io

from rich.console import Console

from freehold.plugins.cli._tables import TARGET_HEADER, target_tables

COLUMNS = ["Members", "Sendable", "Held", "Unchanged", "Add", "Update", "Change", "Refresh"]


def _render(width: int, targets: int) -> tuple[int, str]:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=False, color_system=None)
    labels = [f"audience_{i} → destination_{i} (mirror)" for i in range(targets)]
    rows = [[f"{1_000_000 + i:,}" for i in range(len(COLUMNS))] for _ in labels]
    tables = target_tables(console, title="Plan", targets=labels, columns=COLUMNS, rows=rows)
    console.print(*tables)
    return len(tables), out.getvalue()


def test_a_wide_terminal_gets_one_row_per_target() -> None:
    count, text = _render(200, 3)
    assert count == 1
    assert TARGET_HEADER in text
    assert "…" not in text
    assert text.count("1,000,007") == 3


def test_an_80_column_terminal_gets_the_table_on_its_side_uncut() -> None:
    count, text = _render(80, 3)
    assert count == 1
    assert TARGET_HEADER not in text
    assert "…" not in text
    assert all(len(line) <= 80 for line in text.splitlines())
    for name in COLUMNS:
        assert sum(line.lstrip("│┃ ").startswith(name) for line in text.splitlines()) == 1
    assert text.count("1,000,007") == 3


def test_many_targets_are_split_across_tables_that_each_fit() -> None:
    count, text = _render(80, 7)
    assert count > 1
    assert "…" not in text
    assert all(len(line) <= 80 for line in text.splitlines())
    assert text.count("1,000,007") == 7


def test_no_targets_is_an_empty_table() -> None:
    count, text = _render(80, 0)
    assert count == 1
    assert "Plan" in text
