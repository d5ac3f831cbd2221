#!/usr/bin/env python3
"""Bucket helpers for the benchmark: empty it, or print its object count and sizes.

Usage: bucket.py empty | stats       (settings from R2_* in the environment, as in env.sh)
"""
from __future__ import annotations

import os
import sys

import boto3
from botocore.config import Config


def client(endpoint: str | None = None):
    return boto3.client("s3", endpoint_url=endpoint or os.environ["R2_ENDPOINT"], region_name="auto",
                        aws_access_key_id=os.environ["R2_ACCESS_KEY_ID"],
                        aws_secret_access_key=os.environ["R2_SECRET_ACCESS_KEY"],
                        config=Config(s3={"addressing_style": "path"}, max_pool_connections=32))


def objects(s3, bucket: str) -> list[tuple[str, int]]:
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        out.extend((o["Key"], o["Size"]) for o in page.get("Contents", []))
    return out


def empty(s3, bucket: str) -> int:
    keys = [k for k, _ in objects(s3, bucket)]
    for i in range(0, len(keys), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})
    return len(keys)


if __name__ == "__main__":
    s3, bucket = client(), os.environ["R2_BUCKET"]
    if sys.argv[1:] == ["empty"]:
        print(f"bucket: deleted {empty(s3, bucket)} objects")
    elif sys.argv[1:] == ["stats"]:
        objs = objects(s3, bucket)
        print(f"bucket: {len(objs)} objects, {sum(s for _, s in objs):,} bytes")
    else:
        sys.exit(__doc__)
