"""Runtime failures: exit 1 with an actionable message on stderr, no secret ever printed."""
from __future__ import annotations

from conftest import free_port


def test_wrong_database_password_is_access_denied_naming_the_user(run, bucket):
    result = run("--tickers", "AAPL", "--dolt-user", "backfill", "--dolt-password", "not-the-pw-4711")
    assert result.rc == 1, result
    assert "access denied" in result.stderr.lower(), result
    assert "backfill" in result.stderr, result
    assert "not-the-pw-4711" not in result.text, result
    assert bucket.keys() == []


def test_wrong_database_password_from_env_is_not_printed(run, bucket):
    result = run("--tickers", "AAPL", "--dolt-user", "backfill", env={"DOLT_PASSWORD": "env-pw-0815"})
    assert result.rc == 1, result
    assert "access denied" in result.stderr.lower(), result
    assert "env-pw-0815" not in result.text, result


def test_database_without_tables_reports_table_not_found_with_hint(run, bucket):
    result = run("--tickers", "AAPL", "--dolt-database", "empty_db")
    assert result.rc == 1, result
    err = result.stderr.lower()
    assert "table" in err and ("not found" in err or "doesn't exist" in err or "does not exist" in err), result
    assert "show tables" in err or "describe" in err, f"missing the guide's hint\n{result}"
    assert bucket.keys() == []


def test_unknown_database_is_reported(run, bucket):
    result = run("--tickers", "AAPL", "--dolt-database", "no_such_db")
    assert result.rc == 1, result
    assert "unknown database" in result.stderr.lower(), result
    assert "no_such_db" in result.stderr, result
    assert bucket.keys() == []


def test_wrong_s3_secret_is_signature_mismatch_pointing_to_the_variable(run, bucket):
    wrong = "f" * 64
    result = run("--tickers", "MSFT", "--fundamentals-only", env={"R2_SECRET_ACCESS_KEY": wrong})
    assert result.rc == 1, result
    assert "SignatureDoesNotMatch" in result.stderr, result
    assert "R2_SECRET_ACCESS_KEY" in result.stderr, result
    assert wrong not in result.text and "f" * 16 not in result.text, result
    assert "\nFailed: " in result.stdout, result
    assert bucket.keys() == []


def test_unknown_s3_bucket_fails(run, bucket):
    result = run("--tickers", "MSFT", "--fundamentals-only", env={"R2_BUCKET": "no-such-bucket"})
    assert result.rc == 1, result
    assert "no-such-bucket" in result.stderr or "NoSuchBucket" in result.stderr, result


def test_nothing_listening_on_the_database_port_is_connection_refused(run, bucket):
    port = str(free_port())
    result = run("--tickers", "AAPL", "--dolt-host", "127.0.0.1", "--dolt-port", port, db=False)
    assert result.rc == 1, result
    assert "connection refused" in result.stderr.lower(), result
    assert bucket.keys() == []


def test_nothing_listening_on_the_s3_port_fails(run, bucket):
    port = free_port()
    result = run("--tickers", "MSFT", "--fundamentals-only", env={"R2_ENDPOINT": f"http://127.0.0.1:{port}"})
    assert result.rc == 1, result
    assert "refused" in result.stderr.lower() or str(port) in result.stderr, result
