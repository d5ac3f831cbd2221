"""Fixtures for the integration tests (see harness.py for the helpers).

Servers are NOT started here: `make test` runs servers-up.sh and load_sample_data.py first, and a
missing server or binary is a test ERROR with a clear message, never a skip.
"""
from __future__ import annotations

import os
import socket

import pytest

import harness
from load_sample_data import load_sample_data


@pytest.fixture(scope="session")
def settings() -> dict[str, str]:
    try:
        env = harness.load_env_file()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    for name, port in (("MariaDB", env["DOLT_PORT"]), ("S3", env["R2_ENDPOINT"].rsplit(":", 1)[1])):
        try:
            socket.create_connection(("127.0.0.1", int(port)), timeout=3).close()
        except OSError as error:
            pytest.fail(f"{name} is not listening on 127.0.0.1:{port} ({error}); run make up", pytrace=False)
    return env


@pytest.fixture(scope="session")
def binary() -> str:
    if not (os.path.isfile(harness.BIN) and os.access(harness.BIN, os.X_OK)):
        pytest.fail(f"product binary not found at {harness.BIN}: run `swift build` (or set BACKFILL_BIN)",
                    pytrace=False)
    return harness.BIN


@pytest.fixture
def run(settings, binary, tmp_path) -> harness.Runner:
    """run(*args, db=True, env=None, drop_env=(), cwd=None) -> Result; cwd is an empty directory."""
    work = tmp_path / "cwd"
    work.mkdir()
    return harness.Runner(settings, str(work))


@pytest.fixture(scope="session")
def s3(settings):
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=settings["R2_ENDPOINT"], region_name=settings["R2_REGION"],
                        aws_access_key_id=settings["R2_ACCESS_KEY_ID"],
                        aws_secret_access_key=settings["R2_SECRET_ACCESS_KEY"],
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}))


class Bucket:
    def __init__(self, client, name: str) -> None:
        self.client, self.name = client, name

    def listing(self) -> dict[str, tuple[str, int]]:
        """key -> (ETag, size) of every object."""
        out, token = {}, None
        while True:
            kwargs = {"Bucket": self.name, "MaxKeys": 1000}
            if token:
                kwargs["ContinuationToken"] = token
            page = self.client.list_objects_v2(**kwargs)
            for obj in page.get("Contents", []):
                out[obj["Key"]] = (obj["ETag"], obj["Size"])
            if not page.get("IsTruncated"):
                return out
            token = page["NextContinuationToken"]

    def keys(self) -> list[str]:
        return sorted(self.listing())

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def put(self, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=body)

    def empty(self) -> None:
        for key in self.listing():
            self.client.delete_object(Bucket=self.name, Key=key)
        assert not self.listing(), "bucket could not be emptied"


@pytest.fixture
def bucket(s3, settings) -> Bucket:
    """The test bucket, emptied before the test."""
    b = Bucket(s3, settings["R2_BUCKET"])
    b.empty()
    return b


@pytest.fixture(scope="session")
def db(settings):
    """Root connection to market_data (autocommit). Tests that change rows use `mutable_db`."""
    import pymysql
    conn = pymysql.connect(host=settings["DOLT_HOST"], port=int(settings["DOLT_PORT"]), user="root",
                           password="", database="market_data", autocommit=True)
    yield conn
    conn.close()


@pytest.fixture
def mutable_db(db, settings):
    """The same connection; the sample data is reloaded after the test."""
    yield db
    load_sample_data(settings["DOLT_HOST"], int(settings["DOLT_PORT"]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
