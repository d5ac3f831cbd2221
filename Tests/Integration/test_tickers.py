"""Awkward tickers: '.', '-', '^', '/' and lower case; SQL injection attempts are plain tickers."""
from __future__ import annotations

import pytest

import harness
from harness import assert_same_text, by_month, db_rows, expected_output, verify_object


@pytest.mark.parametrize("ticker,key_part", [
    ("BRK.B", "BRK.B"),
    ("BF-B", "BF-B"),
    ("^GSPC", "^GSPC"),
    ("RDS/A", "RDS%2FA"),
])
def test_awkward_ticker_keys_and_contents(run, bucket, db, ticker, key_part):
    result = run("--tickers", ticker)
    assert result.rc == 0, result
    want, _ = expected_output(db, [ticker])
    assert_same_text(result.stdout, want, result)
    keys = bucket.keys()
    assert keys, "nothing written"
    for key in keys:
        parts = key.split("/")
        assert len(parts) == 6 and parts[2] == key_part, f"bad key layout {key!r}"
    for dataset in harness.BOTH:
        for key, rows in by_month(dataset, ticker, db_rows(db, dataset, ticker)).items():
            verify_object(bucket.get(key), dataset, rows, key)


def test_slash_ticker_is_one_literal_path_level(run, bucket, db):
    result = run("--tickers", "RDS/A", "--prices-only", "--start-date", "2024-05-01")
    assert result.rc == 0, result
    assert bucket.keys() == ["prices/v1/RDS%2FA/2024/05/data.parquet"]
    assert "prices/v1/RDS%2FA/2024/05/data.parquet" in result.stdout
    listing = bucket.client.list_objects_v2(Bucket=bucket.name, Prefix="prices/v1/", Delimiter="/")
    assert [p["Prefix"] for p in listing.get("CommonPrefixes", [])] == ["prices/v1/RDS%2FA/"]


def test_ticker_without_fundamentals_reports_no_data(run, bucket, db):
    result = run("--tickers", "^GSPC", "--start-date", "2024-12-01")
    assert result.rc == 0, result
    assert "  ⚠ No fundamentals data found for ^GSPC" in result.stdout
    assert "\nSuccessful: 1\nNo data: 1\n" in result.stdout
    assert bucket.keys() == ["prices/v1/^GSPC/2024/12/data.parquet"]


def test_lower_case_database_ticker_lands_under_upper_case_keys_with_all(run, bucket, db):
    """--all takes the tickers from the database; 'aapl.x' rows go to AAPL.X keys."""
    result = run("--all", "--start-date", "2024-06-01", "--end-date", "2024-06-30")
    assert result.rc == 0, result
    keys = bucket.keys()
    assert "prices/v1/AAPL.X/2024/06/data.parquet" in keys
    assert "fundamentals/v1/AAPL.X/2024/06/data.parquet" in keys
    assert not any("aapl.x" in k for k in keys)
    for dataset in harness.BOTH:
        rows = db_rows(db, dataset, "aapl.x", harness.dt.date(2024, 6, 1), harness.dt.date(2024, 6, 30))
        assert rows and rows[0]["ticker"] == "aapl.x"
        verify_object(bucket.get(f"{dataset}/v1/AAPL.X/2024/06/data.parquet"), dataset, rows)


def test_extreme_decimal_and_bigint_values_round_trip(run, bucket, db):
    result = run("--all", "--start-date", "2024-06-03", "--end-date", "2024-06-30")
    assert result.rc == 0, result
    body = bucket.get("prices/v1/AAPL.X/2024/06/data.parquet")
    _, rows = harness.read_pyarrow(body)
    edge = [r for r in rows if r[1] == harness.dt.date(2024, 6, 3)][0]
    assert [str(v) for v in edge[2:]] == ["9999999999999999.9999", "9999999999999999.9999",
                                          "-9999999999999999.9999", "0.0001", "-0.0001", "9223372036854775807"]
    body = bucket.get("fundamentals/v1/AAPL.X/2024/06/data.parquet")
    _, rows = harness.read_pyarrow(body)
    assert str(rows[0][4]) == "999999999999999999.99" and str(rows[0][7]) == "-999999999999999999.99"
    assert str(rows[0][14]) == "-9999999999999999.99" and str(rows[0][8]) == "-9999999999999999.9999"


@pytest.mark.parametrize("ticker", ["X' OR '1'='1", "AAPL'; DROP TABLE prices; --", 'A"B\\C'])
def test_injection_attempt_is_one_ticker_with_no_rows(run, bucket, db, ticker):
    result = run("--tickers", ticker)
    assert result.rc == 0, result
    want, plans = expected_output(db, [ticker])
    assert all(p.fetched == 0 for p in plans)
    assert_same_text(result.stdout, want, result)
    assert "Total tickers processed: 1\nSuccessful: 0\nNo data: 2\nTotal rows: 0\nTotal files: 0" in result.stdout
    assert bucket.keys() == []
    with db.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM prices")
        assert cur.fetchone()[0] > 4000
