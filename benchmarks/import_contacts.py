"""Benchmark `freehold import contacts`: rows/s and peak memory for growing files.

    .venv/bin/python benchmarks/import_contacts.py [--sizes 100000 1000000] [--store URL]
                                                   [--chunk-size N] [--reimport] [--workdir DIR]

For each size, writes the sample brand's `contacts.csv` (no events) with that many people,
then imports it into a fresh store in a child process of its own, so each peak RSS is that
import's alone. The child samples its resident memory as the import goes (at about 10 %, 50 %
and 100 % of the rows) and reports its peak (`ru_maxrss`). With `--reimport` it then imports the
same file again: every row matches an existing contact and nothing is written (the no-change
path of a daily re-import).

The result to look for: the peak RSS flat (memory is bounded by the chunk and SQLite's page
cache, not the file). Rows per CPU-second is printed next to wall-clock rows/s because a shared
machine's wall clock says more about the neighbours than about the code. The store defaults to
a SQLite file in the work directory; `--store postgresql://...` measures PostgreSQL (the
database must be empty, so give one size at a time).

Reference: shared/design/benchmarks.md measures the Meta SDK's `add_users` at ~16,800 rows/s
end to end; the sync engine's cold path (import + sync) aims at twice that.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

UNTIL = dt.date(2025, 6, 30)
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * _PAGE / 2**20


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(csv_path: str, store_url: str, rows: int, chunk_size: int, *, reimport: bool) -> None:
    """Import `csv_path` into `store_url` and print one JSON line of figures."""
    from freehold.core.sources import ColumnMapping, ImportKind, import_source, open_source
    from freehold.core.store import Store

    figures: dict[str, object] = {"rss_start_mb": round(_rss_mb(), 1)}
    marks = {max(1, rows // 10): "rss_10pct_mb", max(1, rows // 2): "rss_50pct_mb"}
    seen: set[str] = set()

    def progress(done: int) -> None:
        for threshold, name in marks.items():
            if done >= threshold and name not in seen:
                seen.add(name)
                figures[name] = round(_rss_mb(), 1)

    with Store.open(store_url) as store:
        for label in ("import", "reimport") if reimport else ("import",):
            started, cpu_started = time.perf_counter(), _cpu_seconds()
            summary = import_source(
                store,
                open_source(csv_path),
                ColumnMapping(ImportKind.CONTACTS),
                chunk_size=chunk_size,
                resume=False,
                progress=progress if label == "import" else None,
            )
            seconds = time.perf_counter() - started
            cpu = _cpu_seconds() - cpu_started
            figures[f"{label}_seconds"] = round(seconds, 2)
            figures[f"{label}_rows_per_s"] = round(summary.rows_read / seconds)
            figures[f"{label}_rows_per_cpu_s"] = round(summary.rows_read / cpu)
            figures[f"{label}_counts"] = summary.counts()
            figures["rss_end_mb" if label == "import" else "rss_after_reimport_mb"] = round(
                _rss_mb(), 1
            )
    figures["peak_rss_mb"] = round(_peak_mb(), 1)
    print(json.dumps(figures))


def _generate(directory: Path, size: int) -> tuple[Path, float, int]:
    from freehold.core.sample import SampleSpec, write_sample

    started = time.perf_counter()
    files = write_sample(directory, SampleSpec(size, seed=1, until=UNTIL, events_per_contact=0))
    return files.contacts_path, time.perf_counter() - started, files.contact_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--store", help="store URL (default: a fresh SQLite file per size)")
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--reimport", action="store_true", help="also time an unchanged re-import")
    parser.add_argument("--workdir", type=Path, help="keep files here (default: a temp dir)")
    parser.add_argument("--child", nargs=3, metavar=("CSV", "URL", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        csv_path, url, rows = args.child
        child(csv_path, url, int(rows), args.chunk_size, reimport=args.reimport)
        return
    with tempfile.TemporaryDirectory(prefix="freehold-bench-") as scratch:
        results = _run_sizes(args, args.workdir or Path(scratch))
    _print(results, reimport=args.reimport)
    if args.workdir:
        print(f"\nfiles kept in {args.workdir}")


def _run_sizes(args: argparse.Namespace, workdir: Path) -> list[dict[str, object]]:
    results: list[dict[str, object]] = []
    for size in args.sizes:
        directory = workdir / f"n{size}"
        csv_path, generated, rows = _generate(directory, size)
        url = args.store or f"sqlite:///{directory / 'store.db'}"
        command = [sys.executable, __file__, "--child", str(csv_path), url, str(rows)]
        command += ["--chunk-size", str(args.chunk_size)] + (
            ["--reimport"] if args.reimport else []
        )
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        figures |= {"people": size, "rows": rows, "generate_seconds": round(generated, 1)}
        results.append(figures)
        print(json.dumps(figures), flush=True)
    return results


def _print(results: list[dict], *, reimport: bool) -> None:
    print()
    heads = ("rows", "import s", "rows/s", "rows/CPU s", "RSS 10%", "RSS 50%", "RSS end", "peak MB")
    print(" ".join(f"{head:>9}" for head in heads))
    for r in results:
        cells = (
            f"{r['rows']:,}",
            r["import_seconds"],
            f"{r['import_rows_per_s']:,}",
            f"{r['import_rows_per_cpu_s']:,}",
            r.get("rss_10pct_mb", "-"),
            r.get("rss_50pct_mb", "-"),
            r["rss_end_mb"],
            r["peak_rss_mb"],
        )
        print(" ".join(f"{cell:>9}" for cell in cells))
    if len(results) > 1:
        first, last = results[0], results[-1]
        print(
            f"\n{last['rows'] / first['rows']:.0f}x the rows: peak RSS x"
            f"{last['peak_rss_mb'] / first['peak_rss_mb']:.2f}, rows/s x"
            f"{last['import_rows_per_s'] / first['import_rows_per_s']:.2f}"
        )
    if reimport:
        for r in results:
            print(f"re-import of {r['rows']:,} unchanged rows: {r['reimport_rows_per_s']:,} rows/s")


if __name__ == "__main__":
    main()
