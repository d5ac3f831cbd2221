#!/usr/bin/env python3
"""The backfill done the way the replaced script (scripts/backfill_from_dolt.py) does it.

Usage: replaced_script.py --tickers T [T ...] | --all   (settings from the environment:
DOLT_HOST, DOLT_PORT, R2_ENDPOINT, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY, R2_BUCKET)
Per shared/spec/original-behaviour.md: tickers strictly one after another, per ticker and dataset
one pd.read_sql, then per monthly file one GET (NoSuchKey = no existing data), concat + drop
duplicates on the date column keeping the last + sort, to_parquet(engine="pyarrow",
compression="snappy", index=False), one unconditional PUT. PyMySQL, pandas, pyarrow, boto3.
Prints one JSON line with the counts (files, rows, requests by type) on stdout; nothing else.
Benchmark baseline only: not part of the product.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import warnings

import boto3
import pandas as pd
import pymysql
from botocore.config import Config

DATASETS = (("prices", "date"), ("fundamentals", "period_end"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--tickers", nargs="+")
    g.add_argument("--all", action="store_true")
    a = p.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)  # pandas: "only SQLAlchemy is supported"
    conn = pymysql.connect(host=os.environ["DOLT_HOST"], port=int(os.environ["DOLT_PORT"]), user="root",
                           password="", database="market_data")
    s3 = boto3.client("s3", endpoint_url=os.environ["R2_ENDPOINT"], region_name="auto",
                      aws_access_key_id=os.environ["R2_ACCESS_KEY_ID"],
                      aws_secret_access_key=os.environ["R2_SECRET_ACCESS_KEY"],
                      config=Config(s3={"addressing_style": "path"}))
    bucket = os.environ["R2_BUCKET"]
    tickers = a.tickers
    if a.all:
        tickers = sorted(pd.read_sql("SELECT DISTINCT ticker FROM prices", conn)["ticker"])
    counts = {"files": 0, "rows": 0, "gets": 0, "puts": 0, "lists": 0}
    for ticker in tickers:
        ticker = ticker.upper()
        for table, date_col in DATASETS:
            df = pd.read_sql(f"SELECT * FROM {table} WHERE ticker = %s ORDER BY {date_col}", conn, params=[ticker])
            if df.empty:
                continue
            counts["rows"] += len(df)
            df[date_col] = pd.to_datetime(df[date_col])
            for (year, month), group in df.groupby([df[date_col].dt.year, df[date_col].dt.month]):
                key = f"{table}/v1/{ticker}/{year}/{month:02d}/data.parquet"
                counts["gets"] += 1
                try:
                    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
                    existing = pd.read_parquet(io.BytesIO(body))
                    merged = pd.concat([existing, group], ignore_index=True)
                except s3.exceptions.NoSuchKey:
                    merged = group
                merged = merged.drop_duplicates(subset=[date_col], keep="last").sort_values(date_col)
                buf = io.BytesIO()
                merged.to_parquet(buf, engine="pyarrow", compression="snappy", index=False)
                s3.put_object(Bucket=bucket, Key=key, Body=buf.getvalue())
                counts["puts"] += 1
                counts["files"] += 1
    conn.close()
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
