"""Per-target tables that stay readable in any terminal, 80 columns included.

A plan or a sync report has one row of a dozen figures per audience x destination: as a wide
table it needs more than 100 columns, and rich would cut every value to `1…` in a narrower
terminal (or in a pipe, which rich treats as 80 columns). When the wide table does not fit
without cutting a value, it is turned on its side: a row per figure, a column per target, as
many targets per table as fit.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, RenderableType
from rich.measure import Measurement
from rich.table import Table

__all__ = ["TARGET_HEADER", "fits", "target_tables"]

TARGET_HEADER = "Audience → destination"
_LABEL_WIDTH = 24
"""Target labels wrap beyond this width in the wide table..."""
_SIDE_WIDTH = 16
"""...and beyond this one as column headers of a table on its side."""
_UNBOUNDED = 10_000
"""A width no table reaches: measured against it, a table reports its natural width."""


def target_tables(
    console: Console,
    *,
    title: str,
    targets: Sequence[str],
    columns: Sequence[str],
    rows: Sequence[Sequence[RenderableType]],
) -> list[Table]:
    """Return the tables showing `rows` (one per target, one value per column) on `console`.

    Args:
        console: where the tables will be printed (its width decides the layout).
        title: the title of the (first) table.
        targets: the label of each row, e.g. `customers → social_ads`.
        columns: the name of each value.
        rows: the values of each target, in `columns` order.
    """
    wide = Table(title=title)
    wide.add_column(TARGET_HEADER, max_width=_LABEL_WIDTH)
    for name in columns:
        wide.add_column(name, justify="right", no_wrap=True)
    for label, values in zip(targets, rows, strict=True):
        wide.add_row(label, *values)
    if not targets or fits(console, wide):
        return [wide]
    per_table = len(targets)
    while per_table > 1 and not fits(
        console, _on_its_side(title, targets[:per_table], columns, rows[:per_table])
    ):
        per_table -= 1
    return [
        _on_its_side(
            title if start == 0 else "",
            targets[start : start + per_table],
            columns,
            rows[start : start + per_table],
        )
        for start in range(0, len(targets), per_table)
    ]


def fits(console: Console, table: Table) -> bool:
    """Say whether `table` fits at its natural width (rich would otherwise cut values)."""
    unbounded = console.options.update_width(_UNBOUNDED)
    return Measurement.get(console, unbounded, table).maximum <= console.width


def _on_its_side(
    title: str,
    targets: Sequence[str],
    columns: Sequence[str],
    rows: Sequence[Sequence[RenderableType]],
) -> Table:
    table = Table(title=title or None)
    table.add_column("", no_wrap=True)
    for label in targets:
        table.add_column(label, justify="right", max_width=_SIDE_WIDTH)
    for index, name in enumerate(columns):
        table.add_row(name, *(values[index] for values in rows))
    return table
