"""Faults, races and interruptions: whatever happens, no row is lost or corrupted, and the report
is true. S3 faults come from HTTPFaultProxy in front of the S3 server, database faults from
TCPFaultProxy in front of MariaDB (Tests/Integration/fault_proxy.py, loopback only)."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import time

import pytest

import harness
from fault_proxy import (FORWARD, Action, HTTPFaultProxy, TCPFaultProxy, first_n_per_key, seeded_share,
                         status)

TICKERS = ["AAPL", "MSFT", "GOOGL"]


def s3_port(settings) -> int:
    return int(settings["R2_ENDPOINT"].rsplit(":", 1)[1])


def stored_rows(body: bytes) -> list[tuple]:
    return harness.read_pyarrow(body)[1]


def assert_bucket_holds_exactly(bucket, db, tickers, datasets=harness.BOTH, start=None, end=None) -> None:
    """Every key the database rows make, holding exactly those rows in date order; nothing else."""
    want: dict[str, tuple[str, list[tuple]]] = {}
    for dataset in datasets:
        columns = harness.DATASETS[dataset][1]
        for t in tickers:
            for key, rows in harness.by_month(dataset, t, harness.db_rows(db, dataset, t, start, end)).items():
                want[key] = (dataset, [tuple(r[c] for c in columns) for r in rows])
    assert bucket.keys() == sorted(want), "keys differ: missing %s, extra %s" % (
        sorted(set(want) - set(bucket.keys()))[:5], sorted(set(bucket.keys()) - set(want))[:5])
    for key, (dataset, rows) in want.items():
        body = bucket.get(key)
        harness.check_schema(body, dataset)
        assert stored_rows(body) == rows, f"{key}: rows differ from the database"


def popen(run, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Starts the binary like `run` does, without waiting (stdout and stderr as pipes)."""
    argv = ["--dolt-host", run.db_host, "--dolt-port", run.db_port] + list(args)
    full_env = run.base_env()
    full_env.update(env or {})
    return subprocess.Popen([harness.BIN] + argv, cwd=run.workdir, env=full_env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen, args: list[str], stdout_so_far: bytes = b"", timeout: int = 120) -> harness.Result:
    out, err = proc.communicate(timeout=timeout)
    return harness.Result(args, proc.returncode, (stdout_so_far + out).decode("utf-8", "replace"),
                          err.decode("utf-8", "replace"))


def read_until(proc: subprocess.Popen, marker: bytes, limit: float = 60) -> bytes:
    """Reads stdout lines until one contains `marker` (bounded by `limit` seconds and EOF)."""
    seen = b""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen += line
        if marker in line:
            return seen
    raise AssertionError(f"{marker!r} never appeared on stdout:\n{seen.decode('utf-8', 'replace')}")


# ------------------------------------------------------------------------------ S3 faults
def test_s3_faults_on_a_fixed_seed_share_of_requests_lose_nothing_and_the_report_is_true(run, bucket, db, settings):
    faults = [status(503), status(500), status(429), status(502), Action("reset"), Action("forward_reset")]
    with HTTPFaultProxy(s3_port(settings), seeded_share(seed=20261203, share=0.2, actions=faults)) as proxy:
        result = run("--tickers", *TICKERS, "--retries", "8", env={"R2_ENDPOINT": proxy.endpoint})
    assert result.rc == 0, result
    expected, _ = harness.expected_output(db, TICKERS)
    harness.assert_same_text(result.stdout, expected, result)
    assert_bucket_holds_exactly(bucket, db, TICKERS)
    injected = sum(proxy.injected.values())
    assert injected >= 0.1 * proxy.requests, f"only {injected} of {proxy.requests} requests had faults"
    assert proxy.injected.get("forward_reset", 0) > 0, proxy.injected


@pytest.mark.parametrize("code", [503, 429, 500])
def test_first_requests_of_every_key_failing_are_retried(run, bucket, db, settings, code):
    with HTTPFaultProxy(s3_port(settings), first_n_per_key(2, status(code))) as proxy:
        result = run("--tickers", "MSFT", "--fundamentals-only", "--end-date", "2023-09-30",
                     env={"R2_ENDPOINT": proxy.endpoint})
    assert result.rc == 0, result
    assert_bucket_holds_exactly(bucket, db, ["MSFT"], ["fundamentals"], end=harness.dt.date(2023, 9, 30))
    assert len(bucket.keys()) == 3
    assert proxy.injected[str(code)] == 2 * (len(bucket.keys()) + 1), proxy.injected  # PUTs and the LIST


def test_retry_after_and_throttling_waits_are_honoured(run, bucket, db, settings):
    # One fundamentals month: LIST, PUT. The LIST gets 503 with Retry-After: 2, the PUT 429 (>= 1 s).
    plan = lambda r: (status(503, retry_after="2") if r.method == "GET" and r.per_key == 0 else
                      status(429) if r.method == "PUT" and r.per_key == 0 else FORWARD)
    with HTTPFaultProxy(s3_port(settings), plan) as proxy:
        started = time.monotonic()
        result = run("--tickers", "MSFT", "--fundamentals-only", "--end-date", "2023-03-31",
                     env={"R2_ENDPOINT": proxy.endpoint})
        elapsed = time.monotonic() - started
    assert result.rc == 0, result
    assert proxy.injected == {"503": 1, "429": 1}, proxy.injected
    assert elapsed >= 3.0, f"the run took {elapsed:.1f} s: Retry-After (2 s) + throttling (>= 1 s) not honoured"
    assert_bucket_holds_exactly(bucket, db, ["MSFT"], ["fundamentals"], end=harness.dt.date(2023, 3, 31))


def test_a_key_that_keeps_failing_is_reported_with_its_attempts_and_the_others_are_written(run, bucket, db, settings):
    bad = "prices/v1/MSFT/2024/03/data.parquet"
    plan = lambda r: status(503) if r.method == "PUT" and r.path.endswith("/" + bad) else FORWARD
    with HTTPFaultProxy(s3_port(settings), plan) as proxy:
        result = run("--tickers", "MSFT", "--prices-only", "--retries", "2", env={"R2_ENDPOINT": proxy.endpoint})
    assert result.rc == 1, result
    assert proxy.injected == {"503": 3}, proxy.injected
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, result
    assert "2024-03" in errors[0] and bad in errors[0] and "after 3 attempts" in errors[0], result
    assert "\nFailed: 1\n" in result.stdout, result
    want = harness.by_month("prices", "MSFT", harness.db_rows(db, "prices", "MSFT"))
    assert bucket.keys() == sorted(k for k in want if k != bad)


def test_a_hung_s3_server_never_hangs_the_run(run, bucket, settings):
    with HTTPFaultProxy(s3_port(settings), lambda r: Action("hang")) as proxy:
        started = time.monotonic()
        result = run("--tickers", "MSFT", "--fundamentals-only", "--timeout", "1", "--request-timeout", "2",
                     "--retries", "1", env={"R2_ENDPOINT": proxy.endpoint})
        elapsed = time.monotonic() - started
    assert result.rc == 1, result
    assert elapsed < 30, f"took {elapsed:.0f} s"
    assert "timed out" in result.stderr or "request timeout" in result.stderr, result
    assert "after 2 attempts" in result.stderr, result


def test_a_server_trickling_its_answer_hits_the_whole_request_deadline(run, bucket, settings):
    with HTTPFaultProxy(s3_port(settings), lambda r: Action("trickle", seconds=0.2)) as proxy:
        started = time.monotonic()
        result = run("--tickers", "MSFT", "--fundamentals-only", "--timeout", "5", "--request-timeout", "2",
                     "--retries", "0", env={"R2_ENDPOINT": proxy.endpoint})
        elapsed = time.monotonic() - started
    assert result.rc == 1, result
    assert "request timeout of 2.0 s" in result.stderr, result
    assert elapsed < 20, f"took {elapsed:.0f} s"
    assert bucket.keys() == []


def test_answers_slower_than_the_timeout_are_retried_and_late_writes_do_no_harm(run, bucket, db, settings):
    # The first request of every key is answered after 2.5 s; the client gives up after 1 s and
    # retries. The late PUT still reaches the server afterwards: its condition makes it harmless.
    with HTTPFaultProxy(s3_port(settings), first_n_per_key(1, Action("delay", seconds=2.5))) as proxy:
        result = run("--tickers", "MSFT", "--fundamentals-only", "--timeout", "1",
                     env={"R2_ENDPOINT": proxy.endpoint})
    assert result.rc == 0, result
    assert proxy.injected["delay"] >= 2, proxy.injected
    time.sleep(3)  # let the delayed requests land
    assert_bucket_holds_exactly(bucket, db, ["MSFT"], ["fundamentals"])


# ------------------------------------------------------------------------------ database faults
def test_a_database_connection_dropped_mid_result_is_retried_on_a_fresh_one(run, bucket, db, settings):
    with TCPFaultProxy(int(settings["DOLT_PORT"]), cut_after=30_000) as proxy:
        result = run("--tickers", "AAPL", "--prices-only", "--dolt-port", str(proxy.port), "-v")
    assert result.rc == 0, result
    assert proxy.cuts == 1 and proxy.connections >= 2, (proxy.cuts, proxy.connections)
    assert "trying again on a fresh connection" in result.stdout, result
    assert_bucket_holds_exactly(bucket, db, ["AAPL"], ["prices"])


def test_the_database_going_away_mid_run_fails_the_run_and_a_rerun_completes(run, bucket, db, settings):
    with TCPFaultProxy(int(settings["DOLT_PORT"]), cut_after=30_000, die_on_cut=True) as proxy:
        result = run("--tickers", *TICKERS, "--dolt-port", str(proxy.port), "--retries", "2",
                     "--connect-timeout", "2")
    assert result.rc == 1, result
    assert proxy.cuts == 1
    assert "cannot connect to Dolt" in result.stderr and "refused" in result.stderr, result
    assert "BACKFILL SUMMARY" in result.stdout and "Not done (stopped): " in result.stdout, result
    for key in bucket.keys():  # whatever was written is complete
        assert key.split("/")[2] in TICKERS
    again = run("--tickers", *TICKERS)
    assert again.rc == 0, again
    assert_bucket_holds_exactly(bucket, db, TICKERS)


# ------------------------------------------------------------------------------ races
@pytest.fixture
def split_databases(db, settings):
    """Two copies of the prices table: odd days in faults_odd, even days in faults_even, so two
    runs against them contend for every month and only their union is the whole table."""
    with db.cursor() as cur:
        for name, parity in (("faults_odd", 1), ("faults_even", 0)):
            cur.execute(f"DROP DATABASE IF EXISTS {name}")
            cur.execute(f"CREATE DATABASE {name}")
            cur.execute(f"CREATE TABLE {name}.prices LIKE market_data.prices")
            cur.execute(f"INSERT INTO {name}.prices SELECT * FROM market_data.prices WHERE DAY(date) % 2 = {parity}")
    yield ("faults_odd", "faults_even")
    with db.cursor() as cur:
        for name in ("faults_odd", "faults_even"):
            cur.execute(f"DROP DATABASE IF EXISTS {name}")


def test_two_runs_at_once_over_the_same_months_end_with_the_union(run, bucket, db, settings, split_databases):
    tickers = ["AAPL", "MSFT", "GOOGL", "BRK.B"]
    with HTTPFaultProxy(s3_port(settings), lambda r: FORWARD) as proxy:
        env = {"R2_ENDPOINT": proxy.endpoint}
        procs = [popen(run, "--tickers", *tickers, "--prices-only", "--dolt-database", name, env=env)
                 for name in split_databases]
        results = [finish(p, [name]) for p, name in zip(procs, split_databases)]
    for r in results:
        assert r.rc == 0, r
    assert_bucket_holds_exactly(bucket, db, tickers, ["prices"])
    # The runs really raced: some conditional writes failed and were merged again.
    assert proxy.upstream_statuses.get(412, 0) > 0, proxy.upstream_statuses


# ------------------------------------------------------------------------------ interruptions
_REFERENCE: dict[str, str] = {}


@pytest.fixture
def reference_etags(run, bucket):
    """The ETags (MD5s) of an uninterrupted --all run (made once per session); the bucket is
    empty when the test starts."""
    if not _REFERENCE:
        result = run("--all")
        assert result.rc == 0, result
        _REFERENCE.update({k: e for k, (e, _) in bucket.listing().items()})
        bucket.empty()
    return dict(_REFERENCE)


def assert_every_object_is_complete(bucket, db) -> None:
    """After an interruption each object is either absent or exactly the month's database rows."""
    for key in bucket.keys():
        dataset, _, ticker_part, year, month, _ = key.split("/")
        rows = [r for r in bucket_rows_for(db, dataset, ticker_part) if (r[0], r[1]) == (int(year), int(month))]
        assert stored_rows(bucket.get(key)) == [r[2] for r in rows], f"{key} is not the complete month"


def bucket_rows_for(db, dataset, ticker_part):
    date_col, columns = harness.DATASETS[dataset]
    for t in harness.db_tickers(db):
        if harness.key_ticker(t) == ticker_part:
            return [(r[date_col].year, r[date_col].month, tuple(r[c] for c in columns))
                    for r in harness.db_rows(db, dataset, t)]
    raise AssertionError(f"no ticker for {ticker_part}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_run_finishes_writes_in_flight_reports_and_a_rerun_completes(run, bucket, db, settings,
                                                                                 reference_etags, sig):
    slow = lambda r: Action("delay", seconds=0.05) if r.method == "PUT" else FORWARD
    with HTTPFaultProxy(s3_port(settings), slow) as proxy:
        proc = popen(run, "--all", "--jobs", "2", env={"R2_ENDPOINT": proxy.endpoint})
        seen = read_until(proc, "✓ Wrote".encode())
        proc.send_signal(sig)
        result = finish(proc, ["--all"], seen)
    assert result.rc == 128 + sig, result
    assert "BACKFILL SUMMARY" in result.stdout and "Not done (stopped): " in result.stdout, result
    assert f"stopped by signal {int(sig)}" in result.stderr, result
    assert 0 < len(bucket.keys()) < len(reference_etags), "the signal came too late to test anything"
    assert_every_object_is_complete(bucket, db)
    again = run("--all")
    assert again.rc == 0, again
    assert {k: e for k, (e, _) in bucket.listing().items()} == reference_etags


def test_sigkill_mid_run_leaves_only_complete_objects_and_a_rerun_completes(run, bucket, db, settings,
                                                                           reference_etags):
    slow = lambda r: Action("delay", seconds=0.05) if r.method == "PUT" else FORWARD
    with HTTPFaultProxy(s3_port(settings), slow) as proxy:
        proc = popen(run, "--all", "--jobs", "2", env={"R2_ENDPOINT": proxy.endpoint})
        read_until(proc, "✓ Wrote".encode())
        proc.kill()
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    time.sleep(0.5)  # PUTs the proxy was still delaying land now, or never
    assert 0 < len(bucket.keys()) < len(reference_etags)
    assert_every_object_is_complete(bucket, db)
    again = run("--all")
    assert again.rc == 0, again
    assert {k: e for k, (e, _) in bucket.listing().items()} == reference_etags


# ------------------------------------------------------------------------------ what it cannot read
def test_garbage_and_foreign_schema_objects_are_left_untouched_and_reported(run, bucket, db):
    import pyarrow as pa
    import pyarrow.parquet as pq
    garbage_key = "prices/v1/MSFT/2024/01/data.parquet"
    foreign_key = "prices/v1/MSFT/2024/02/data.parquet"
    garbage = b"PAR1 this is not a parquet file \x00\xff" * 10
    buf = io.BytesIO()
    pq.write_table(pa.table({"ticker": pa.array([1, 2], pa.int64()), "date": pa.array(["x", "y"])}), buf)
    foreign = buf.getvalue()
    bucket.put(garbage_key, garbage)
    bucket.put(foreign_key, foreign)
    result = run("--tickers", "MSFT", "--prices-only")
    assert result.rc == 1, result
    errors = result.stderr.splitlines()
    assert len(errors) == 2, result
    assert any(garbage_key in e and "left untouched" in e for e in errors), result
    assert any(foreign_key in e for e in errors), result
    assert "\nFailed: 1\n" in result.stdout, result
    assert bucket.get(garbage_key) == garbage
    assert bucket.get(foreign_key) == foreign
    months = harness.by_month("prices", "MSFT", harness.db_rows(db, "prices", "MSFT"))
    columns = harness.DATASETS["prices"][1]
    for key, rows in months.items():
        if key not in (garbage_key, foreign_key):
            assert stored_rows(bucket.get(key)) == [tuple(r[c] for c in columns) for r in rows], key


# ------------------------------------------------------------------------------ secrets
def test_secrets_are_never_printed_even_verbose(run, bucket, settings):
    secret = settings["R2_SECRET_ACCESS_KEY"]
    wrong_secret = "0123456789abcdef" * 4
    password = "pw-should-stay-hidden-31337"
    outputs = [
        run("--tickers", "MSFT", "--fundamentals-only", "-v", env={"DOLT_PASSWORD": ""}),
        run("--tickers", "MSFT", "--fundamentals-only", "-v", env={"R2_SECRET_ACCESS_KEY": wrong_secret}),
        run("--tickers", "MSFT", "-v", "--dolt-user", "backfill", env={"DOLT_PASSWORD": password}),
        run("--tickers", "MSFT", "-v", "--dolt-user", "backfill", "--dolt-password", password),
    ]
    assert outputs[0].rc == 0 and outputs[1].rc == 1 and outputs[2].rc == 1 and outputs[3].rc == 1, outputs
    assert "SignatureDoesNotMatch" in outputs[1].stderr, outputs[1]
    for result in outputs:
        for needle in (secret, secret[:16], wrong_secret, wrong_secret[:16], password, "Authorization",
                       "Signature="):
            assert needle not in result.text, f"{needle!r} printed\n{result}"
