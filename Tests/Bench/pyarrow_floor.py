#!/usr/bin/env python3
"""Floor for Parquet encoding: pyarrow writing the same monthly files in memory.

Usage: pyarrow_floor.py   (DOLT_HOST / DOLT_PORT from the environment)
Reads every ticker's rows of both tables with PyMySQL (not timed), groups them by month like the
backfill, builds one pyarrow Table per monthly file with the column types our files have
(DECIMAL -> decimal128(p, s), DATE -> date32, BIGINT -> int64, INT -> int32, VARCHAR -> string),
then times pq.write_table into a BytesIO for all of them (process CPU time and wall time):
uncompressed (like our writer) and SNAPPY (like the replaced script). Prints JSON lines.
"""
from __future__ import annotations

import io
import json
import os
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pymysql

DATASETS = (("prices", "date"), ("fundamentals", "period_end"))


def arrow_type(column_type: str) -> pa.DataType:
    t = column_type.lower()
    if t.startswith("decimal"):
        p, s = t[t.index("(") + 1:t.index(")")].split(",")
        return pa.decimal128(int(p), int(s))
    if t == "date":
        return pa.date32()
    if t.startswith("bigint"):
        return pa.int64()
    if t.startswith("int"):
        return pa.int32()
    return pa.string()


def main() -> None:
    conn = pymysql.connect(host=os.environ["DOLT_HOST"], port=int(os.environ["DOLT_PORT"]), user="root",
                           password="", database="market_data")
    tables = []
    rows_total = 0
    with conn.cursor() as cur:
        for table, date_col in DATASETS:
            cur.execute(f"SELECT column_name, column_type, is_nullable FROM information_schema.columns "
                        f"WHERE table_schema = 'market_data' AND table_name = %s ORDER BY ordinal_position", (table,))
            cols = cur.fetchall()
            schema = pa.schema([pa.field(n, arrow_type(t), nullable=(nl == "YES")) for n, t, nl in cols])
            date_index = [c[0] for c in cols].index(date_col)
            cur.execute(f"SELECT DISTINCT ticker FROM {table} ORDER BY ticker")
            for (ticker,) in cur.fetchall():
                cur.execute(f"SELECT * FROM {table} WHERE ticker = %s ORDER BY {date_col}", (ticker,))
                months: dict[tuple[int, int], list[tuple]] = {}
                for row in cur.fetchall():
                    d = row[date_index]
                    months.setdefault((d.year, d.month), []).append(row)
                for rows in months.values():
                    columns = list(zip(*rows))
                    tables.append(pa.Table.from_arrays(
                        [pa.array(list(c), type=f.type) for c, f in zip(columns, schema)], schema=schema))
                    rows_total += len(rows)
    conn.close()
    for compression in ("none", "snappy"):
        size = 0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for t in tables:
            buf = io.BytesIO()
            pq.write_table(t, buf, compression=compression)
            size += buf.tell()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        print(json.dumps({"name": f"pyarrow_encode_{compression}", "unit": "rows", "value": rows_total,
                          "files": len(tables), "bytes": size, "cpu_s": cpu, "wall_s": wall,
                          "pyarrow": pa.__version__}))


if __name__ == "__main__":
    main()
