#!/usr/bin/env python3
"""Loads Fixtures/sample-data/{prices,fundamentals}.tsv into market_data (replacing all rows).

Usage: python3 Tests/Integration/load_sample_data.py [--host H] [--port P] [--user root] [--password '']
Defaults come from DOLT_HOST / DOLT_PORT (as written to .state/env.sh by servers-up.sh), else
127.0.0.1:13306. Uses LOAD DATA LOCAL INFILE; any warning (truncated value, bad NULL...) is fatal.
Also importable: load_sample_data(host, port, user, password) -> (price_rows, fundamentals_rows).
"""
from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "Fixtures", "sample-data"))
TABLES = ("prices", "fundamentals")


def load_sample_data(host: str, port: int, user: str = "root", password: str = "",
                     database: str = "market_data") -> tuple[int, int]:
    import pymysql

    counts = []
    conn = pymysql.connect(host=host, port=port, user=user, password=password, database=database,
                           local_infile=True, autocommit=True, connect_timeout=10)
    try:
        with conn.cursor() as cur:
            for table in TABLES:
                path = os.path.join(SAMPLE_DIR, f"{table}.tsv")
                with open(path, encoding="utf-8") as f:
                    expected = sum(1 for _ in f) - 1
                cur.execute(f"TRUNCATE TABLE {table}")
                cur.execute(
                    f"LOAD DATA LOCAL INFILE %s INTO TABLE {table} CHARACTER SET utf8mb4 "
                    "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' IGNORE 1 LINES",
                    (path,))
                cur.execute("SHOW WARNINGS")
                warnings = cur.fetchall()
                if warnings:
                    raise RuntimeError(f"LOAD DATA into {table} gave warnings: {warnings[:5]}")
                cur.execute(f"SELECT COUNT(*) FROM {table}")
                loaded = cur.fetchone()[0]
                if loaded != expected:
                    raise RuntimeError(f"{table}: loaded {loaded} rows, file has {expected}")
                counts.append(loaded)
    finally:
        conn.close()
    return counts[0], counts[1]


def main() -> None:
    parser = argparse.ArgumentParser(description="Load the sample data set into market_data")
    parser.add_argument("--host", default=os.environ.get("DOLT_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("DOLT_PORT", "13306")))
    parser.add_argument("--user", default="root")
    parser.add_argument("--password", default="")
    args = parser.parse_args()
    try:
        prices, fundamentals = load_sample_data(args.host, args.port, args.user, args.password)
    except Exception as error:  # noqa: BLE001
        print(f"load_sample_data: ERROR: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
    print(f"load_sample_data: {prices:,} price rows, {fundamentals:,} fundamentals rows "
          f"loaded into {args.host}:{args.port}/market_data")


if __name__ == "__main__":
    main()
