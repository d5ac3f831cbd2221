#!/usr/bin/env python3
"""Lists the objects of the R2/S3 bucket named by R2_BUCKET (settings from R2_* env variables,
e.g. `source .state/env.sh`), with sizes and row counts: `make demo` uses it."""
from __future__ import annotations

import io
import os
import sys


def main() -> None:
    import boto3
    import pyarrow.parquet as pq
    from botocore.config import Config

    try:
        endpoint, bucket = os.environ["R2_ENDPOINT"], os.environ["R2_BUCKET"]
        key_id, secret = os.environ["R2_ACCESS_KEY_ID"], os.environ["R2_SECRET_ACCESS_KEY"]
    except KeyError as missing:
        sys.exit(f"list_bucket: set {missing.args[0]} (source .state/env.sh)")
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=os.environ.get("R2_REGION", "auto"),
                      aws_access_key_id=key_id, aws_secret_access_key=secret,
                      config=Config(s3={"addressing_style": "path"}))
    prefix = sys.argv[1] if len(sys.argv) > 1 else ""
    total = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            rows = pq.ParquetFile(io.BytesIO(body)).metadata.num_rows
            print(f"{obj['Size']:>9,} B  {rows:>5,} rows  {obj['Key']}")
            total += 1
    print(f"{total:,} objects in s3://{bucket}/{prefix}")


if __name__ == "__main__":
    main()
