"""The backfill guide's usage examples, run against the test servers: exact console output,
summary counts, key layout, and every object read back by pyarrow, duckdb, polars and fastparquet
and compared value by value with the database rows of its ticker and month."""
from __future__ import annotations

import datetime as dt

import pytest

import harness
from harness import BOTH, assert_same_text, by_month, db_rows, expected_output, verify_object


def verify_bucket(bucket, db, tickers, datasets=BOTH, start=None, end=None) -> None:
    """The bucket holds exactly the expected objects, each equal to its database rows."""
    expected: dict[str, tuple[str, list]] = {}
    for ticker in tickers:
        for dataset in datasets:
            for key, rows in by_month(dataset, ticker, db_rows(db, dataset, ticker, start, end)).items():
                expected[key] = (dataset, rows)
    assert bucket.keys() == sorted(expected), "object keys differ from the expected monthly layout"
    for key, (dataset, rows) in expected.items():
        verify_object(bucket.get(key), dataset, rows, key)


def test_tickers_aapl_msft_googl_writes_every_month_and_prints_the_guide_format(run, bucket, db):
    result = run("--tickers", "AAPL", "MSFT", "GOOGL")
    assert result.rc == 0, result
    want, plans = expected_output(db, ["AAPL", "MSFT", "GOOGL"])
    assert_same_text(result.stdout, want, result)
    # sanity of the expectation itself: 3 tickers x 2 datasets, > 1,000 rows (thousands separator)
    assert sum(p.fetched for p in plans) > 1000 and "Fetched 1,036 rows" in result.stdout
    assert "\nTotal rows: 2,092\nTotal files: 128\n" in result.stdout  # pinned by the sample data
    verify_bucket(bucket, db, ["AAPL", "MSFT", "GOOGL"])


def test_lower_case_tickers_on_the_command_line_are_upper_cased(run, bucket, db):
    result = run("--tickers", "msft", "--prices-only", "--start-date", "2024-12-01")
    assert result.rc == 0, result
    want, _ = expected_output(db, ["MSFT"], datasets=("prices",), start=dt.date(2024, 12, 1))
    assert_same_text(result.stdout, want, result)
    assert bucket.keys() == ["prices/v1/MSFT/2024/12/data.parquet"]


def test_ticker_file_skips_blank_and_comment_lines_and_upper_cases(run, bucket, db, tmp_path):
    ticker_file = tmp_path / "tickers.txt"
    ticker_file.write_text("# tickers.txt\n\nmsft\n   \n  # indented comment\n  googl  \nNVDA\n")
    result = run("--ticker-file", str(ticker_file), "--start-date", "2024-01-01")
    assert result.rc == 0, result
    want, plans = expected_output(db, ["MSFT", "GOOGL", "NVDA"], start=dt.date(2024, 1, 1))
    assert_same_text(result.stdout, want, result)
    assert [p.fetched == 0 for p in plans] == [False, False, False, False, True, True]  # NVDA: no data
    verify_bucket(bucket, db, ["MSFT", "GOOGL"], start=dt.date(2024, 1, 1))


def test_ticker_file_that_does_not_exist_fails_without_writing(run, bucket, tmp_path):
    result = run("--ticker-file", str(tmp_path / "missing.txt"))
    assert result.rc in (1, 2), result
    assert "missing.txt" in result.stderr, result
    assert bucket.keys() == []


def test_all_backfills_every_ticker_in_the_database(run, bucket, db):
    result = run("--all")
    assert result.rc == 0, result
    tickers = harness.db_tickers(db)
    assert len(tickers) == 8 and "aapl.x" in tickers and "^GSPC" in tickers
    header, blocks, summary = harness.split_blocks(result.stdout)
    assert header == harness.expected_header(False), result
    # order is the program's choice; each ticker appears once with the right block
    want_blocks = {}
    all_plans = []
    for t in tickers:
        plans = [harness.plan_dataset(db, d, t) for d in BOTH]
        all_plans += plans
        want_blocks[t] = plans
    seen = set()
    for i, (head, block) in enumerate(blocks.items(), 1):
        index, _, shown = head.partition(" ")
        assert index == f"[{i}/{len(tickers)}]", head
        matches = [t for t in tickers if t.upper() == shown.upper()]
        assert len(matches) == 1, f"unexpected ticker header {head!r}"
        t = matches[0]
        seen.add(t)
        want = harness.expected_block(i, len(tickers), shown, want_blocks[t], False)
        assert_same_text("\n".join(block), "\n".join(want), result)
    assert seen == set(tickers)
    assert_same_text("\n".join(summary), "\n".join(harness.expected_summary(len(tickers), all_plans)[1:]), result)
    verify_bucket(bucket, db, tickers)


@pytest.mark.parametrize("start,end", [
    (dt.date(2024, 1, 2), dt.date(2024, 6, 28)),      # both ends are trading days: inclusive
    (dt.date(2023, 12, 30), dt.date(2024, 2, 3)),     # weekend ends
    (dt.date(2024, 11, 15), None),
    (None, dt.date(2021, 2, 1)),
])
def test_date_range_is_inclusive_and_limits_rows_and_months(run, bucket, db, start, end):
    args = ["--tickers", "AAPL", "BRK.B"]
    if start:
        args += ["--start-date", start.isoformat()]
    if end:
        args += ["--end-date", end.isoformat()]
    result = run(*args)
    assert result.rc == 0, result
    want, _ = expected_output(db, ["AAPL", "BRK.B"], start=start, end=end)
    assert_same_text(result.stdout, want, result)
    verify_bucket(bucket, db, ["AAPL", "BRK.B"], start=start, end=end)
    if start == dt.date(2024, 1, 2):
        first = bucket.get("prices/v1/AAPL/2024/01/data.parquet")
        _, rows = harness.read_pyarrow(first)
        assert rows[0][1] == dt.date(2024, 1, 2)
        _, rows = harness.read_pyarrow(bucket.get("prices/v1/AAPL/2024/06/data.parquet"))
        assert rows[-1][1] == dt.date(2024, 6, 28)


def test_date_range_with_no_rows_reports_no_data(run, bucket, db):
    result = run("--tickers", "AAPL", "--start-date", "2019-01-01", "--end-date", "2019-12-31")
    assert result.rc == 0, result
    want, plans = expected_output(db, ["AAPL"], start=dt.date(2019, 1, 1), end=dt.date(2019, 12, 31))
    assert all(p.fetched == 0 for p in plans)
    assert_same_text(result.stdout, want, result)
    assert "  ⚠ No prices data found for AAPL" in result.stdout
    assert "No data: 2" in result.stdout
    assert bucket.keys() == []


def test_prices_only(run, bucket, db):
    result = run("--tickers", "AAPL", "--prices-only")
    assert result.rc == 0, result
    want, _ = expected_output(db, ["AAPL"], datasets=("prices",))
    assert_same_text(result.stdout, want, result)
    assert "fundamentals" not in result.stdout
    verify_bucket(bucket, db, ["AAPL"], datasets=("prices",))


def test_fundamentals_only(run, bucket, db):
    result = run("--tickers", "AAPL", "--fundamentals-only")
    assert result.rc == 0, result
    want, _ = expected_output(db, ["AAPL"], datasets=("fundamentals",))
    assert_same_text(result.stdout, want, result)
    assert "Backfilling prices" not in result.stdout
    verify_bucket(bucket, db, ["AAPL"], datasets=("fundamentals",))


def test_dry_run_on_empty_bucket_writes_nothing_and_says_what_it_would_write(run, bucket, db):
    result = run("--tickers", "AAPL", "--dry-run")
    assert result.rc == 0, result
    want, plans = expected_output(db, ["AAPL"], dry_run=True)
    assert_same_text(result.stdout, want, result)
    assert sum(len(p.files) for p in plans) > 0
    assert bucket.keys() == []


def test_dry_run_over_existing_objects_leaves_the_bucket_identical(run, bucket, db):
    assert run("--tickers", "MSFT", "--start-date", "2024-01-01").rc == 0
    before = bucket.listing()
    assert before
    result = run("--tickers", "MSFT", "AAPL", "--dry-run")
    assert result.rc == 0, result
    existing = {}
    for key in before:
        dataset = key.split("/")[0]
        _, rows = harness.read_pyarrow(bucket.get(key))
        existing[key] = {r[1]: r for r in rows}
    want, _ = expected_output(db, ["MSFT", "AAPL"], dry_run=True, existing=existing)
    assert_same_text(result.stdout, want, result)
    assert bucket.listing() == before


def test_custom_connection_with_read_only_user_and_password_flag(run, bucket, db):
    result = run("--tickers", "GOOGL", "--dolt-database", "market_data", "--dolt-user", "backfill",
                 "--dolt-password", "s3cr3t", "--end-date", "2023-06-30")
    assert result.rc == 0, result
    want, _ = expected_output(db, ["GOOGL"], end=dt.date(2023, 6, 30))
    assert_same_text(result.stdout, want, result)
    assert "s3cr3t" not in result.text
    verify_bucket(bucket, db, ["GOOGL"], end=dt.date(2023, 6, 30))


def test_custom_connection_with_password_from_dolt_password_env(run, bucket, db):
    result = run("--tickers", "GOOGL", "--dolt-user=backfill", "--end-date=2023-06-30",
                 env={"DOLT_PASSWORD": "s3cr3t"})
    assert result.rc == 0, result
    want, _ = expected_output(db, ["GOOGL"], end=dt.date(2023, 6, 30))
    assert_same_text(result.stdout, want, result)
    assert "s3cr3t" not in result.text


def test_verbose_run_writes_the_same_objects(run, bucket, db):
    result = run("--tickers", "BF-B", "-v", "--fundamentals-only")
    assert result.rc == 0, result
    assert "BACKFILL SUMMARY" in result.stdout
    verify_bucket(bucket, db, ["BF-B"], datasets=("fundamentals",))
