"""Command-line contract: usage errors (exit 2, one line on stderr pointing to --help), --help,
--version, and missing R2 settings (exit 2 before any database work)."""
from __future__ import annotations

import pytest

from conftest import free_port

ALL_FLAGS = ["--tickers", "--ticker-file", "--all", "--start-date", "--end-date", "--prices-only",
             "--fundamentals-only", "--dolt-host", "--dolt-port", "--dolt-database", "--dolt-user",
             "--dolt-password", "--dry-run", "--verbose", "-v", "--help", "--version",
             "--retries", "--connect-timeout", "--timeout", "--request-timeout"]


def assert_usage_error(result) -> None:
    assert result.rc == 2, result
    lines = result.stderr.strip("\n").split("\n")
    assert len(lines) == 1, f"usage error must be one line on stderr\n{result}"
    assert lines[0].startswith("error: "), result
    assert lines[0].endswith("(see --help)"), result
    assert result.stdout == "", f"nothing on stdout for a usage error\n{result}"


@pytest.mark.parametrize("args", [
    pytest.param([], id="no-ticker-selection"),
    pytest.param(["--prices-only"], id="options-but-no-selection"),
    pytest.param(["--tickers", "AAPL", "--all"], id="tickers-and-all"),
    pytest.param(["--tickers", "AAPL", "--ticker-file", "t.txt"], id="tickers-and-file"),
    pytest.param(["--all", "--ticker-file", "t.txt"], id="all-and-file"),
    pytest.param(["--tickers"], id="tickers-without-values"),
    pytest.param(["--tickers", "AAPL", "--start-date", "2024-13-01"], id="month-13"),
    pytest.param(["--tickers", "AAPL", "--start-date", "2024-02-30"], id="february-30"),
    pytest.param(["--tickers", "AAPL", "--end-date", "01/02/2024"], id="not-iso-date"),
    pytest.param(["--tickers", "AAPL", "--start-date"], id="start-date-without-value"),
    pytest.param(["--tickers", "AAPL", "--start-date", "2024-06-01", "--end-date", "2024-05-31"],
                 id="start-after-end"),
    pytest.param(["--tickers", "AAPL", "--prices-only", "--fundamentals-only"], id="both-only-flags"),
    pytest.param(["--tickers", "AAPL", "--frobnicate"], id="unknown-flag"),
    pytest.param(["--tickers", "AAPL", "--dolt-port", "70000"], id="port-too-big"),
    pytest.param(["--tickers", "AAPL", "--dolt-port", "0"], id="port-zero"),
    pytest.param(["--tickers", "AAPL", "--dolt-port", "abc"], id="port-not-a-number"),
    pytest.param(["--tickers", "AAPL", "--dolt-port=70000"], id="port-equals-form"),
    pytest.param(["--tickers", "AAPL", "--dolt-port", "-1"], id="port-negative"),
    pytest.param(["--tickers", "AAPL", "--retries", "21"], id="retries-too-many"),
    pytest.param(["--tickers", "AAPL", "--retries", "-1"], id="retries-negative"),
    pytest.param(["--tickers", "AAPL", "--retries", "x"], id="retries-not-a-number"),
    pytest.param(["--tickers", "AAPL", "--timeout", "0"], id="timeout-zero"),
    pytest.param(["--tickers", "AAPL", "--timeout", "nan"], id="timeout-nan"),
    pytest.param(["--tickers", "AAPL", "--connect-timeout", "1e9"], id="connect-timeout-exponent"),
    pytest.param(["--tickers", "AAPL", "--request-timeout", "86401"], id="request-timeout-too-long"),
    pytest.param(["--tickers", "AAPL", "--request-timeout"], id="request-timeout-without-value"),
    pytest.param(["--tickers", "AAPL", "--jobs", "0"], id="jobs-zero"),
    pytest.param(["--tickers", "AAPL", "--start-date", "2023-02-29"], id="february-29-non-leap"),
    pytest.param(["--tickers", "AAPL", "--start-date", "2024-1-05"], id="date-without-padding"),
    pytest.param(["--tickers", "AAPL", "--start-date", "2024-01-05x"], id="date-trailing-garbage"),
    pytest.param(["--tickers", "AAPL", "--end-date", ""], id="empty-date"),
    pytest.param(["--tickers", "AAPL", "--dry-run=yes"], id="value-for-a-switch"),
    pytest.param(["--tickers", "AAPL", "--dolt-host", ""], id="empty-host"),
    pytest.param(["--tickers", "bad\x01ticker"], id="control-character-in-ticker"),
    pytest.param(["--ticker-file", "/nonexistent/tickers.txt"], id="missing-ticker-file"),
    pytest.param(["--ticker-file", "/"], id="ticker-file-is-a-directory"),
])
def test_usage_errors_exit_2_with_one_line_pointing_to_help(run, bucket, args):
    # with db=False nothing points at the test database: a usage error must come first anyway
    result = run(*args, db=False)
    assert_usage_error(result)
    assert bucket.keys() == []


def test_start_date_equal_to_end_date_is_accepted(run, bucket):
    result = run("--tickers", "AAPL", "--start-date", "2024-03-15", "--end-date=2024-03-15")
    assert result.rc == 0, result
    assert bucket.keys() == ["prices/v1/AAPL/2024/03/data.parquet"]


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_exits_0_and_lists_every_flag(run, flag):
    result = run(flag, db=False)
    assert result.rc == 0, result
    for name in ALL_FLAGS:
        assert name in result.stdout, f"--help does not mention {name}\n{result}"


def test_version_exits_0_and_prints_a_version(run):
    result = run("--version", db=False)
    assert result.rc == 0, result
    assert result.stdout.strip(), result
    assert any(ch.isdigit() for ch in result.stdout), result


@pytest.mark.parametrize("missing", [
    ["R2_BUCKET"],
    ["R2_ENDPOINT"],
    ["R2_ACCESS_KEY_ID"],
    ["R2_SECRET_ACCESS_KEY"],
    ["R2_ENDPOINT", "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY", "R2_BUCKET"],
])
def test_missing_r2_settings_exit_2_naming_them_before_any_database_work(run, missing):
    closed = str(free_port())  # nothing listens: a database attempt would say "connection refused"
    result = run("--tickers", "AAPL", "--dolt-host", "127.0.0.1", "--dolt-port", closed, db=False,
                 drop_env=missing)
    assert result.rc == 2, result
    for name in missing:
        assert name in result.stderr, f"{name} not named\n{result}"
    assert "refused" not in result.text.lower(), result
    assert "BACKFILL SUMMARY" not in result.stdout, result


def test_r2_settings_from_dotenv_in_working_directory(run, bucket, tmp_path, settings):
    """.env in the working directory supplies missing settings (the real environment wins)."""
    work = tmp_path / "with-dotenv"
    work.mkdir()
    (work / ".env").write_text(f"R2_BUCKET={settings['R2_BUCKET']}\n")
    result = run("--tickers", "MSFT", "--fundamentals-only", "--end-date", "2023-03-31",
                 drop_env=["R2_BUCKET"], cwd=str(work))
    assert result.rc == 0, result
    assert bucket.keys() == ["fundamentals/v1/MSFT/2023/03/data.parquet"]


def test_real_environment_wins_over_dotenv(run, bucket, tmp_path):
    work = tmp_path / "with-dotenv"
    work.mkdir()
    (work / ".env").write_text("R2_BUCKET=no-such-bucket\nR2_SECRET_ACCESS_KEY=" + "0" * 64 + "\n")
    result = run("--tickers", "MSFT", "--fundamentals-only", "--end-date", "2023-03-31", cwd=str(work))
    assert result.rc == 0, result
    assert bucket.keys() == ["fundamentals/v1/MSFT/2023/03/data.parquet"]


@pytest.mark.parametrize("content", [
    pytest.param(b"", id="empty"),
    pytest.param(b"\n\n   \n", id="blank-lines"),
    pytest.param(b"# only a comment\n#AAPL\n", id="comments-only"),
    pytest.param(b"AAPL\n\xff\xfeMSFT\n", id="not-utf8"),
    pytest.param(b"AAPL\nMS\x00FT\n", id="nul-byte"),
])
def test_unusable_ticker_files_exit_2_and_write_nothing(run, bucket, tmp_path, content):
    path = tmp_path / "tickers.txt"
    path.write_bytes(content)
    result = run("--ticker-file", str(path))
    assert_usage_error(result)
    assert "--ticker-file" in result.stderr, result
    assert bucket.keys() == []


@pytest.mark.parametrize("endpoint", [
    pytest.param("ftp://127.0.0.1:9000", id="unknown-scheme"),
    pytest.param("127.0.0.1:9000", id="no-scheme"),
    pytest.param("http://", id="no-host"),
    pytest.param("http://127.0.0.1:99999", id="port-out-of-range"),
    pytest.param("http://127.0.0.1:0", id="port-zero"),
    pytest.param("http://127.0.0.1:abc", id="port-not-a-number"),
    pytest.param("http://user:pw@127.0.0.1:9000", id="credentials-in-url"),
    pytest.param("http://127.0.0.1 :9000", id="space-in-host"),
])
def test_malformed_r2_endpoint_exits_2_before_any_work(run, bucket, endpoint):
    result = run("--tickers", "AAPL", env={"R2_ENDPOINT": endpoint})
    assert_usage_error(result)
    assert "BACKFILL SUMMARY" not in result.stdout, result
    assert bucket.keys() == []
