"""Shared helpers for the integration tests: running the binary, the expected console output,
the database truth, and reading Parquet objects back with four independent readers.

The console format and key layout checked here are the CLI contract (backfill guide, "Output
Format"); exact texts live in expected_* functions so that a deliberate format change is one edit.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import math
import os
import re
import subprocess
import tempfile
from decimal import Decimal
from typing import Any, Iterable

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
STATE_DIR = os.environ.get("STATE_DIR") or os.path.join(REPO, ".state")
BIN = os.environ.get("BACKFILL_BIN") or os.path.join(REPO, ".build", "debug", "backfill-from-dolt")
RUN_TIMEOUT = 300

RULE = "=" * 70
DASH = "-" * 70
PRICE_COLUMNS = ["ticker", "date", "open", "high", "low", "close", "adj_close", "volume"]
FUND_COLUMNS = ["ticker", "period_end", "fiscal_year", "fiscal_quarter", "revenue", "gross_profit",
                "operating_income", "net_income", "eps_diluted", "shares_diluted", "total_assets",
                "total_liabilities", "cash_and_equivalents", "operating_cash_flow", "capex",
                "free_cash_flow"]
DATASETS = {"prices": ("date", PRICE_COLUMNS), "fundamentals": ("period_end", FUND_COLUMNS)}
BOTH = ("prices", "fundamentals")

# Parquet column contract: name -> (physical type, logical type, precision, scale, required)
_D4 = ("FIXED_LEN_BYTE_ARRAY", "DECIMAL", 20, 4, False)
_D2 = ("FIXED_LEN_BYTE_ARRAY", "DECIMAL", 20, 2, False)
SCHEMAS = {
    "prices": [("ticker", ("BYTE_ARRAY", "STRING", None, None, True)),
               ("date", ("INT32", "DATE", None, None, True)),
               ("open", _D4), ("high", _D4), ("low", _D4), ("close", _D4), ("adj_close", _D4),
               ("volume", ("INT64", "INT", None, None, False))],
    "fundamentals": [("ticker", ("BYTE_ARRAY", "STRING", None, None, True)),
                     ("period_end", ("INT32", "DATE", None, None, True)),
                     ("fiscal_year", ("INT32", "INT", None, None, False)),
                     ("fiscal_quarter", ("BYTE_ARRAY", "STRING", None, None, False)),
                     ("revenue", _D2), ("gross_profit", _D2), ("operating_income", _D2),
                     ("net_income", _D2), ("eps_diluted", _D4),
                     ("shares_diluted", ("INT64", "INT", None, None, False)),
                     ("total_assets", _D2), ("total_liabilities", _D2), ("cash_and_equivalents", _D2),
                     ("operating_cash_flow", _D2), ("capex", _D2), ("free_cash_flow", _D2)],
}


# ------------------------------------------------------------------------------ settings
def load_env_file() -> dict[str, str]:
    """The settings servers-up.sh wrote; a missing file is an error, never a skip."""
    path = os.path.join(STATE_DIR, "env.sh")
    if not os.path.exists(path):
        raise RuntimeError(f"{path} not found: start the servers first (make up, or "
                           "Tests/Integration/servers-up.sh) and load the sample data")
    with open(path, encoding="utf-8") as f:
        return dict(re.findall(r"^export (\w+)=(.*)$", f.read(), re.M))


@dataclasses.dataclass(repr=False)
class Result:
    args: list[str]
    rc: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return (f"$ backfill-from-dolt {' '.join(self.args)}\nexit {self.rc}\n--- stdout ---\n{self.stdout}"
                f"--- stderr ---\n{self.stderr}")

    __repr__ = __str__


class Runner:
    """Runs the product binary with a clean environment: only the R2 settings of the test servers
    (no R2_*/AWS_*/DOLT_* leaking in from the caller) and an empty working directory (no .env)."""

    def __init__(self, settings: dict[str, str], workdir: str) -> None:
        self.settings = settings
        self.workdir = workdir
        self.db_host = settings["DOLT_HOST"]
        self.db_port = settings["DOLT_PORT"]

    def base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("R2_", "AWS_", "DOLT_"))}
        env.update({k: v for k, v in self.settings.items() if k.startswith("R2_")})
        env["LC_ALL"] = env.get("LC_ALL") or "C.UTF-8"
        return env

    def __call__(self, *args: str, db: bool = True, env: dict[str, str] | None = None,
                 drop_env: Iterable[str] = (), cwd: str | None = None) -> Result:
        argv = list(args)
        if db:
            argv = ["--dolt-host", self.db_host, "--dolt-port", self.db_port] + argv
        full_env = self.base_env()
        for name in drop_env:
            full_env.pop(name, None)
        full_env.update(env or {})
        proc = subprocess.run([BIN] + argv, cwd=cwd or self.workdir, env=full_env, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=RUN_TIMEOUT)
        return Result(argv, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                      proc.stderr.decode("utf-8", "replace"))


# ------------------------------------------------------------------------------ keys
def key_ticker(ticker: str) -> str:
    """Ticker as it appears in an object key: upper-cased, '%' and '/' percent-encoded."""
    return ticker.upper().replace("%", "%25").replace("/", "%2F")


def object_key(dataset: str, ticker: str, year: int, month: int) -> str:
    return f"{dataset}/v1/{key_ticker(ticker)}/{year:04d}/{month:02d}/data.parquet"


# ------------------------------------------------------------------------------ database truth
def db_rows(conn, dataset: str, ticker: str, start: dt.date | None = None,
            end: dt.date | None = None) -> list[dict[str, Any]]:
    date_col, columns = DATASETS[dataset]
    sql = f"SELECT {', '.join('`%s`' % c for c in columns)} FROM {dataset} WHERE ticker = %s"
    params: list[Any] = [ticker]
    if start:
        sql += f" AND `{date_col}` >= %s"
        params.append(start)
    if end:
        sql += f" AND `{date_col}` <= %s"
        params.append(end)
    with conn.cursor() as cur:
        cur.execute(sql + f" ORDER BY `{date_col}`", params)
        return [dict(zip(columns, row)) for row in cur.fetchall()]


def db_tickers(conn) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT ticker FROM prices UNION SELECT ticker FROM fundamentals")
        return sorted(r[0] for r in cur.fetchall())


def by_month(dataset: str, ticker: str, rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped into their object keys (months ascending), each group sorted by date."""
    date_col = DATASETS[dataset][0]
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r[date_col]):
        d = row[date_col]
        groups.setdefault(object_key(dataset, ticker, d.year, d.month), []).append(row)
    return dict(sorted(groups.items()))


# ------------------------------------------------------------------------------ expected output
@dataclasses.dataclass
class FilePlan:
    key: str
    existing: int
    new: int
    total: int
    # Every fetched row is already stored with the same values: the tool writes nothing.
    unchanged: bool = False


@dataclasses.dataclass
class DatasetPlan:
    dataset: str
    fetched: int
    files: list[FilePlan]


def plan_dataset(conn, dataset: str, ticker: str, start=None, end=None,
                 existing: dict[str, Any] | None = None) -> DatasetPlan:
    """What a run will do for one (ticker, dataset). `existing` maps key -> the stored rows as
    {date: row tuple} (then unchanged months are predicted), or key -> a set of stored dates."""
    rows = db_rows(conn, dataset, ticker, start, end)
    date_col, columns = DATASETS[dataset]
    files = []
    for key, group in by_month(dataset, ticker, rows).items():
        stored = (existing or {}).get(key, set())
        before = set(stored)
        new_dates = {r[date_col] for r in group}
        unchanged = isinstance(stored, dict) and all(
            stored.get(r[date_col]) == tuple(r[c] for c in columns) for r in group)
        files.append(FilePlan(key, len(before), len(group), len(before | new_dates), unchanged))
    return DatasetPlan(dataset, len(rows), files)


def expected_block(index: int, count: int, display: str, plans: list[DatasetPlan], dry_run: bool) -> list[str]:
    lines = ["", f"[{index}/{count}] {display}", DASH]
    for p in plans:
        lines += ["", f"Backfilling {p.dataset} for {display}..."]
        if p.fetched == 0:
            lines.append(f"  ⚠ No {p.dataset} data found for {display}")
            continue
        lines.append(f"  ✓ Fetched {p.fetched:,} rows from Dolt")
        for f in p.files:
            lines.append(f"  Merged: {f.existing:,} existing + {f.new:,} new = {f.total:,} total")
            if f.unchanged:
                lines.append(f"  ✓ Unchanged: {f.total:,} rows already in {f.key}")
            elif dry_run:
                lines.append(f"  [dry run] Would write {f.total:,} rows to {f.key}")
            else:
                lines.append(f"  ✓ Wrote {f.total:,} rows to {f.key}")
        written = sum(1 for f in p.files if not f.unchanged)
        unchanged = len(p.files) - written
        line = (f"  [dry run] Would write {written:,} monthly files to R2" if dry_run
                else f"  ✓ Wrote {written:,} monthly files to R2")
        lines.append(line + (f" ({unchanged:,} unchanged)" if unchanged else ""))
    return lines


def expected_header(dry_run: bool) -> list[str]:
    return [RULE, "DOLT → R2 BACKFILL", RULE] + (["DRY RUN: nothing will be written to R2"] if dry_run else [])


def expected_summary(tickers: int, plans: list[DatasetPlan], failed: int = 0) -> list[str]:
    ok = sum(1 for p in plans if p.fetched > 0)
    lines = ["", RULE, "BACKFILL SUMMARY", RULE,
             f"Total tickers processed: {tickers:,}",
             f"Successful: {ok:,}",
             f"No data: {sum(1 for p in plans if p.fetched == 0):,}",
             f"Total rows: {sum(p.fetched for p in plans):,}",
             f"Total files: {sum(1 for p in plans for f in p.files if not f.unchanged):,}"]
    unchanged = sum(1 for p in plans for f in p.files if f.unchanged)
    if unchanged:
        lines.append(f"Unchanged files: {unchanged:,}")
    if failed:
        lines.append(f"Failed: {failed:,}")
    return lines


def expected_output(conn, tickers: list[str], datasets=BOTH, start=None, end=None, dry_run=False,
                    existing: dict[str, set] | None = None, display=None) -> tuple[str, list[DatasetPlan]]:
    """The exact stdout of a successful run over `tickers` (as queried), in that order."""
    lines = expected_header(dry_run)
    all_plans: list[DatasetPlan] = []
    for i, t in enumerate(tickers, 1):
        plans = [plan_dataset(conn, d, t, start, end, existing) for d in datasets]
        all_plans += plans
        lines += expected_block(i, len(tickers), (display or {}).get(t, t.upper()), plans, dry_run)
    lines += expected_summary(len(tickers), all_plans)
    return "\n".join(lines) + "\n", all_plans


def assert_same_text(actual: str, expected: str, result: Result | None = None) -> None:
    if actual == expected:
        return
    import difflib
    diff = "\n".join(difflib.unified_diff(expected.splitlines(), actual.splitlines(), "expected", "actual",
                                          lineterm="", n=2))
    raise AssertionError(f"stdout differs from the contract:\n{diff}\n\n{result or ''}")


def split_blocks(stdout: str) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """(header lines, {ticker header text: block lines}, summary lines) of a run's stdout."""
    lines = stdout.rstrip("\n").split("\n")
    starts = [i for i, line in enumerate(lines) if re.match(r"^\[\d+/\d+\] ", line)]
    rule_at = max(i for i, line in enumerate(lines) if line == "BACKFILL SUMMARY") - 1
    header = lines[:starts[0] - 1] if starts else lines[:rule_at - 1]
    blocks = {}
    for n, s in enumerate(starts):
        end = starts[n + 1] - 1 if n + 1 < len(starts) else rule_at - 1
        blocks[lines[s]] = lines[s - 1:end]
    return header, blocks, lines[rule_at:]


# ------------------------------------------------------------------------------ Parquet readers
def check_schema(body: bytes, dataset: str) -> None:
    import pyarrow.parquet as pq
    schema = pq.ParquetFile(io.BytesIO(body)).schema
    names = [schema.column(i).name for i in range(len(schema))]
    assert names == [n for n, _ in SCHEMAS[dataset]], f"columns {names}"
    for i, (name, (physical, logical, precision, scale, required)) in enumerate(SCHEMAS[dataset]):
        col = schema.column(i)
        where = f"{dataset}.{name}"
        assert col.max_repetition_level == 0, f"{where} is repeated"
        assert col.physical_type == physical, f"{where}: physical {col.physical_type}, want {physical}"
        got_logical = col.logical_type.type
        if logical == "INT":  # plain INT32/INT64 without an annotation is fine too
            assert got_logical in ("INT", "NONE"), f"{where}: logical {got_logical}"
            if got_logical == "INT":
                annotation = json.loads(col.logical_type.to_json())
                bits = 32 if physical == "INT32" else 64
                assert annotation.get("bitWidth") == bits and annotation.get("isSigned") is True, \
                    f"{where}: {annotation}"
        else:
            assert got_logical == logical, f"{where}: logical {got_logical}, want {logical}"
        if logical == "DECIMAL":
            assert (col.precision, col.scale) == (precision, scale), \
                f"{where}: DECIMAL({col.precision},{col.scale}), want ({precision},{scale})"
        assert (col.max_definition_level == 0) == required, \
            f"{where}: max_definition_level {col.max_definition_level} (REQUIRED expected: {required})"


def _tuples(rows: list[dict[str, Any]], columns: list[str]) -> list[tuple]:
    return [tuple(r[c] for c in columns) for r in rows]


def read_pyarrow(body: bytes) -> tuple[list[str], list[tuple]]:
    import pyarrow.parquet as pq
    table = pq.read_table(io.BytesIO(body))
    return table.column_names, [tuple(r.values()) for r in table.to_pylist()]


def read_duckdb(path: str) -> tuple[list[str], list[tuple]]:
    import duckdb
    con = duckdb.connect()
    try:
        cur = con.execute("SELECT * FROM read_parquet(?)", [path])
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()


def read_polars(body: bytes) -> tuple[list[str], list[tuple]]:
    import polars as pl
    frame = pl.read_parquet(io.BytesIO(body))
    return frame.columns, frame.rows()


def read_fastparquet(path: str) -> tuple[list[str], list[tuple]]:
    import fastparquet
    frame = fastparquet.ParquetFile(path).to_pandas()
    return list(frame.columns), list(frame.itertuples(index=False, name=None))


def _is_null(v: Any) -> bool:
    if v is None:
        return True
    try:
        import pandas as pd
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _approx_equal(got: Any, want: Any) -> bool:
    """fastparquet: decimals may come back as float, dates as Timestamp, nullable ints as float."""
    if want is None:
        return _is_null(got)
    if _is_null(got):
        return False
    if isinstance(want, dt.date):
        if isinstance(got, dt.datetime):  # pandas Timestamp is a datetime
            got = got.date()
        elif not isinstance(got, dt.date):
            import pandas as pd
            got = pd.Timestamp(got).date()
        return got == want
    if isinstance(want, (Decimal, int)) and not isinstance(want, bool):
        if isinstance(got, (Decimal, int)) and not isinstance(got, bool):
            return Decimal(got) == Decimal(want)
        return math.isclose(float(got), float(want), rel_tol=1e-12, abs_tol=1e-9)
    return got == want


def verify_object(body: bytes, dataset: str, expected: list[dict[str, Any]], key: str = "") -> None:
    """Schema check, then the rows through pyarrow, duckdb, polars (exact) and fastparquet (floats
    compared with a relative tolerance of 1e-12) against the expected database rows, in order."""
    columns = DATASETS[dataset][1]
    want = _tuples(expected, columns)
    check_schema(body, dataset)
    with tempfile.NamedTemporaryFile(suffix=".parquet") as f:
        f.write(body)
        f.flush()
        for reader, source in (("pyarrow", body), ("duckdb", f.name), ("polars", body)):
            names, rows = globals()[f"read_{reader}"](source)
            assert names == columns, f"{key}: {reader} column names {names}"
            assert rows == want, _row_diff(key, reader, rows, want)
            # exact types too: a Decimal must not come back as a float, a date as a datetime
            for row, want_row in zip(rows, want):
                for got, exp, name in zip(row, want_row, columns):
                    if exp is not None and type(got) is not type(exp):
                        raise AssertionError(f"{key}: {reader} {name} is {type(got).__name__} "
                                             f"({got!r}), want {type(exp).__name__} ({exp!r})")
        names, rows = read_fastparquet(f.name)
        assert names == columns, f"{key}: fastparquet column names {names}"
        assert len(rows) == len(want), f"{key}: fastparquet read {len(rows)} rows, want {len(want)}"
        for i, (got_row, want_row) in enumerate(zip(rows, want)):
            for got, exp, name in zip(got_row, want_row, columns):
                assert _approx_equal(got, exp), f"{key}: fastparquet row {i} {name}: {got!r} != {exp!r}"


def _row_diff(key: str, reader: str, rows: list[tuple], want: list[tuple]) -> str:
    if len(rows) != len(want):
        return f"{key}: {reader} read {len(rows)} rows, want {len(want)}"
    for i, (a, b) in enumerate(zip(rows, want)):
        if a != b:
            return f"{key}: {reader} row {i} differs:\n  got  {a}\n  want {b}"
    return f"{key}: {reader} rows differ"
