#!/usr/bin/env python3
"""Generates and loads the benchmark data set: N synthetic tickers x 10 years (2015-2024).

Usage: gen_bench_data.py --tickers 200 --out-dir DIR [--load] [--host H --port P]
Deterministic (random.Random seeded from a string): the same N gives byte-identical TSV files.
Per ticker: every business day (Mon-Fri without 1 Jan, 4 Jul, 25 Dec) of prices with a random
walk, ~0.4 % NULLs; quarterly fundamentals at calendar quarter ends. Tickers are BNnnnn (sorted
order = generation order). With --load the files replace the rows of market_data.prices and
market_data.fundamentals (LOAD DATA LOCAL INFILE, any warning is fatal). Standard library +
PyMySQL.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys

SEED = "backfill-from-dolt bench data v1"
NULL = "\\N"
FIRST, LAST = dt.date(2015, 1, 1), dt.date(2024, 12, 31)
PRICE_COLUMNS = ["ticker", "date", "open", "high", "low", "close", "adj_close", "volume"]
FUND_COLUMNS = ["ticker", "period_end", "fiscal_year", "fiscal_quarter", "revenue", "gross_profit",
                "operating_income", "net_income", "eps_diluted", "shares_diluted", "total_assets",
                "total_liabilities", "cash_and_equivalents", "operating_cash_flow", "capex",
                "free_cash_flow"]


def business_days() -> list[str]:
    days, d = [], FIRST
    while d <= LAST:
        if d.weekday() < 5 and (d.month, d.day) not in ((1, 1), (7, 4), (12, 25)):
            days.append(d.isoformat())
        d += dt.timedelta(days=1)
    return days


def quarter_ends() -> list[str]:
    out = []
    for year in range(FIRST.year, LAST.year + 1):
        for month in (3, 6, 9, 12):
            nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
            out.append((nxt - dt.timedelta(days=1)).isoformat())
    return out


def ticker_name(i: int) -> str:
    return f"BN{i:04d}"


def write_prices(f, ticker: str, days: list[str]) -> int:
    rng = random.Random(f"{SEED}|prices|{ticker}")
    price = rng.uniform(5, 500)
    vol = rng.uniform(0.008, 0.03)
    base_volume = int(rng.uniform(1e5, 5e7))
    for day in days:
        price = max(price * (1.0 + 0.0004 + rng.gauss(0.0, vol)), 0.5)
        open_ = price * (1 + rng.gauss(0, vol / 3))
        high = max(open_, price) * (1 + abs(rng.gauss(0, vol / 2)))
        low = min(open_, price) * (1 - abs(rng.gauss(0, vol / 2)))
        values = [f"{open_:.4f}", f"{high:.4f}", f"{low:.4f}", f"{price:.4f}", f"{price * 0.97:.4f}",
                  str(int(base_volume * rng.lognormvariate(0, 0.35)) // 100 * 100)]
        for i in range(6):
            if rng.random() < 0.004:
                values[i] = NULL
        f.write(f"{ticker}\t{day}\t" + "\t".join(values) + "\n")
    return len(days)


def write_fundamentals(f, ticker: str, ends: list[str]) -> int:
    rng = random.Random(f"{SEED}|fundamentals|{ticker}")
    scale = rng.uniform(1e8, 1e11)
    for n, end in enumerate(ends):
        revenue = scale * rng.uniform(0.85, 1.15)
        gross = revenue * rng.uniform(0.35, 0.65)
        operating = gross - revenue * rng.uniform(0.1, 0.7)
        net = operating * rng.uniform(0.6, 0.9)
        shares = int(scale / 6 * rng.uniform(0.95, 1.05))
        assets = revenue * rng.uniform(3, 5)
        liabilities = assets * rng.uniform(0.3, 0.8)
        ocf = net * rng.uniform(0.9, 1.4)
        capex = -revenue * rng.uniform(0.02, 0.12)
        values = [str(int(end[:4])), f"Q{n % 4 + 1}", f"{revenue:.2f}", f"{gross:.2f}", f"{operating:.2f}",
                  f"{net:.2f}", f"{net / shares:.4f}", str(shares), f"{assets:.2f}", f"{liabilities:.2f}",
                  f"{assets * rng.uniform(0.05, 0.2):.2f}", f"{ocf:.2f}", f"{capex:.2f}", f"{ocf + capex:.2f}"]
        for i in range(len(values)):
            if rng.random() < 0.03:
                values[i] = NULL
        f.write(f"{ticker}\t{end}\t" + "\t".join(values) + "\n")
    return len(ends)


def generate(count: int, out_dir: str) -> tuple[str, str, int, int]:
    os.makedirs(out_dir, exist_ok=True)
    prices_path = os.path.join(out_dir, f"prices-{count}.tsv")
    fund_path = os.path.join(out_dir, f"fundamentals-{count}.tsv")
    days, ends = business_days(), quarter_ends()
    np_ = nf = 0
    with open(prices_path, "w", encoding="utf-8", newline="\n") as fp, \
         open(fund_path, "w", encoding="utf-8", newline="\n") as ff:
        for i in range(1, count + 1):
            t = ticker_name(i)
            np_ += write_prices(fp, t, days)
            nf += write_fundamentals(ff, t, ends)
    return prices_path, fund_path, np_, nf


def load(host: str, port: int, prices_path: str, fund_path: str, expected: tuple[int, int]) -> None:
    import pymysql
    conn = pymysql.connect(host=host, port=port, user="root", password="", database="market_data",
                           local_infile=True, autocommit=True, connect_timeout=10)
    try:
        with conn.cursor() as cur:
            for table, path, want in (("prices", prices_path, expected[0]), ("fundamentals", fund_path, expected[1])):
                cur.execute(f"TRUNCATE TABLE {table}")
                cur.execute(f"LOAD DATA LOCAL INFILE %s INTO TABLE {table} CHARACTER SET utf8mb4 "
                            "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n'", (path,))
                cur.execute("SHOW WARNINGS")
                warnings = cur.fetchall()
                if warnings:
                    raise RuntimeError(f"LOAD DATA into {table} gave warnings: {warnings[:5]}")
                cur.execute(f"SELECT COUNT(*) FROM {table}")
                got = cur.fetchone()[0]
                if got != want:
                    raise RuntimeError(f"{table}: loaded {got} rows, expected {want}")
            cur.execute("ANALYZE TABLE prices, fundamentals")
            cur.fetchall()
    finally:
        conn.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tickers", type=int, default=200)
    p.add_argument("--out-dir", required=True)
    p.add_argument("--load", action="store_true")
    p.add_argument("--host", default=os.environ.get("DOLT_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("DOLT_PORT", "13306")))
    a = p.parse_args()
    if not 1 <= a.tickers <= 9999:
        sys.exit("gen_bench_data: --tickers must be 1..9999")
    pp, fp, np_, nf = generate(a.tickers, a.out_dir)
    if a.load:
        load(a.host, a.port, pp, fp, (np_, nf))
    print(f"gen_bench_data: {a.tickers} tickers, {np_:,} price rows, {nf:,} fundamentals rows"
          + (f", loaded into {a.host}:{a.port}/market_data" if a.load else f" -> {a.out_dir}"))


if __name__ == "__main__":
    main()
