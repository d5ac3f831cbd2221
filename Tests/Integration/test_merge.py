"""merge_and_put semantics: existing monthly objects are read, merged with the fetched rows (the
database row wins on the same date), sorted by date and written back; a merge never deletes."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

import harness
from harness import assert_same_text, by_month, db_rows, expected_output, read_pyarrow, verify_object

AAPL_2024 = ("--tickers", "AAPL", "--start-date", "2024-01-01")
START = dt.date(2024, 1, 1)


def snapshot(bucket) -> dict[str, list[tuple]]:
    return {key: read_pyarrow(bucket.get(key))[1] for key in bucket.keys()}


def stored_dates(bucket) -> dict[str, dict]:
    """key -> {date: stored row}: enough to predict merge counts and unchanged months."""
    return {key: {row[1]: row for row in rows} for key, rows in snapshot(bucket).items()}


def test_second_identical_run_leaves_every_row_unchanged(run, bucket, db):
    first = run(*AAPL_2024)
    assert first.rc == 0, first
    before = snapshot(bucket)
    existing = stored_dates(bucket)
    second = run(*AAPL_2024)
    assert second.rc == 0, second
    want, plans = expected_output(db, ["AAPL"], start=START, existing=existing)
    assert_same_text(second.stdout, want, second)
    assert all(f.existing == f.new == f.total and f.unchanged for p in plans for f in p.files)
    assert "Unchanged files:" in second.stdout and "Total files: 0" in second.stdout
    assert snapshot(bucket) == before
    for dataset in harness.BOTH:
        for key, rows in by_month(dataset, "AAPL", db_rows(db, dataset, "AAPL", START)).items():
            verify_object(bucket.get(key), dataset, rows, key)


def test_updated_database_row_replaces_the_stored_row(run, bucket, mutable_db):
    db = mutable_db
    assert run(*AAPL_2024, "--prices-only").rc == 0
    with db.cursor() as cur:
        cur.execute("UPDATE prices SET close = 1234567.8912, volume = NULL WHERE ticker = 'AAPL' AND date = '2024-03-12'")
        assert cur.rowcount == 1
        cur.execute("UPDATE fundamentals SET net_income = -42.50, fiscal_quarter = NULL "
                    "WHERE ticker = 'AAPL' AND period_end = '2024-03-31'")
        assert cur.rowcount == 1
    existing = stored_dates(bucket)
    result = run(*AAPL_2024)
    assert result.rc == 0, result
    want, _ = expected_output(db, ["AAPL"], start=START, existing=existing)
    assert_same_text(result.stdout, want, result)
    march = bucket.get("prices/v1/AAPL/2024/03/data.parquet")
    verify_object(march, "prices", db_rows(db, "prices", "AAPL", dt.date(2024, 3, 1), dt.date(2024, 3, 31)))
    row = [r for r in read_pyarrow(march)[1] if r[1] == dt.date(2024, 3, 12)]
    assert len(row) == 1 and row[0][5] == Decimal("1234567.8912") and row[0][7] is None
    q1 = bucket.get("fundamentals/v1/AAPL/2024/03/data.parquet")
    verify_object(q1, "fundamentals", db_rows(db, "fundamentals", "AAPL", dt.date(2024, 3, 1), dt.date(2024, 3, 31)))


def test_narrower_date_range_keeps_stored_rows_outside_it(run, bucket, mutable_db):
    db = mutable_db
    assert run("--tickers", "AAPL", "--prices-only", "--start-date", "2024-03-01", "--end-date", "2024-04-30").rc == 0
    before = snapshot(bucket)
    old_march = {r[1]: r for r in before["prices/v1/AAPL/2024/03/data.parquet"]}
    # change one row inside and one outside the next run's range
    with db.cursor() as cur:
        cur.execute("UPDATE prices SET open = 1.0000 WHERE ticker = 'AAPL' AND date IN ('2024-03-13', '2024-03-20')")
        assert cur.rowcount == 2
    existing = stored_dates(bucket)
    result = run("--tickers", "AAPL", "--prices-only", "--start-date", "2024-03-11", "--end-date", "2024-03-15")
    assert result.rc == 0, result
    want, plans = expected_output(db, ["AAPL"], datasets=("prices",), start=dt.date(2024, 3, 11),
                                  end=dt.date(2024, 3, 15), existing=existing)
    assert_same_text(result.stdout, want, result)
    assert [(f.existing, f.new, f.total) for f in plans[0].files] == [(len(old_march), 5, len(old_march))]
    after = snapshot(bucket)
    assert after["prices/v1/AAPL/2024/04/data.parquet"] == before["prices/v1/AAPL/2024/04/data.parquet"]
    march = {r[1]: r for r in after["prices/v1/AAPL/2024/03/data.parquet"]}
    assert sorted(march) == sorted(old_march) == list(march), "rows lost or not sorted by date"
    assert march[dt.date(2024, 3, 13)][2] == Decimal("1.0000")               # inside: updated
    assert march[dt.date(2024, 3, 20)] == old_march[dt.date(2024, 3, 20)]    # outside: kept as stored
    assert march[dt.date(2024, 3, 20)][2] != Decimal("1.0000")


def test_row_deleted_from_the_database_stays_in_the_bucket(run, bucket, mutable_db):
    db = mutable_db
    assert run("--tickers", "MSFT", "--start-date", "2024-05-01", "--end-date", "2024-06-30").rc == 0
    before = snapshot(bucket)
    with db.cursor() as cur:
        cur.execute("DELETE FROM prices WHERE ticker = 'MSFT' AND date = '2024-05-15'")
        cur.execute("DELETE FROM fundamentals WHERE ticker = 'MSFT' AND period_end = '2024-06-30'")
        assert cur.rowcount == 1
    existing = stored_dates(bucket)
    result = run("--tickers", "MSFT", "--start-date", "2024-05-01", "--end-date", "2024-06-30")
    assert result.rc == 0, result
    want, plans = expected_output(db, ["MSFT"], start=dt.date(2024, 5, 1), end=dt.date(2024, 6, 30),
                                  existing=existing)
    assert_same_text(result.stdout, want, result)
    may = plans[0].files[0]
    assert (may.existing, may.new, may.total) == (may.total, may.total - 1, may.total)
    assert plans[1].fetched == 0 and "  ⚠ No fundamentals data found for MSFT" in result.stdout
    assert snapshot(bucket) == before


def test_merge_adds_new_months_and_new_days_to_existing_objects(run, bucket, db):
    assert run("--tickers", "GOOGL", "--prices-only", "--start-date", "2024-02-01", "--end-date", "2024-02-14").rc == 0
    existing = stored_dates(bucket)
    result = run("--tickers", "GOOGL", "--prices-only", "--start-date", "2024-02-10", "--end-date", "2024-03-31")
    assert result.rc == 0, result
    want, plans = expected_output(db, ["GOOGL"], datasets=("prices",), start=dt.date(2024, 2, 10),
                                  end=dt.date(2024, 3, 31), existing=existing)
    assert_same_text(result.stdout, want, result)
    feb = plans[0].files[0]
    assert 0 < feb.existing < feb.total and feb.new < feb.total
    for key, rows in by_month("prices", "GOOGL", db_rows(db, "prices", "GOOGL", dt.date(2024, 2, 1),
                                                           dt.date(2024, 3, 31))).items():
        verify_object(bucket.get(key), "prices", rows, key)


def test_merge_reads_files_written_by_the_python_script(run, bucket, db):
    """Objects left by the replaced script (pandas: DOUBLE prices, TIMESTAMP dates, index column)
    are merged without losing a row; the result is written in the current schema."""
    import io

    import pandas as pd
    import pyarrow.parquet as pq

    key = "prices/v1/AAPL/2024/02/data.parquet"
    legacy = pd.DataFrame({
        "ticker": ["AAPL", "AAPL"],
        "date": pd.to_datetime(["2024-02-01", "2024-02-29"]),        # 02-01 is in the DB, 02-29 is replaced
        "open": [1.5, 2.5], "high": [1.5, 2.5], "low": [1.5, 2.5], "close": [1.5, 2.5],
        "adj_close": [1.5, 2.5], "volume": [100, 200],
    })
    legacy.index = [7, 8]  # a non-default index: pandas stores it as __index_level_0__
    # a row only the old file has: a date outside the database (Saturday)
    extra = pd.DataFrame({"ticker": ["AAPL"], "date": pd.to_datetime(["2024-02-10"]), "open": [9.25],
                          "high": [9.25], "low": [9.25], "close": [9.25], "adj_close": [9.25], "volume": [5]})
    both = pd.concat([legacy, extra])
    buf = io.BytesIO()
    both.to_parquet(buf, engine="pyarrow", compression="snappy")
    assert "__index_level_0__" in pq.read_schema(io.BytesIO(buf.getvalue())).names
    bucket.put(key, buf.getvalue())

    result = run("--tickers", "AAPL", "--prices-only", "--start-date", "2024-02-01", "--end-date", "2024-02-29")
    assert result.rc == 0, result
    rows = db_rows(db, "prices", "AAPL", dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert f"  Merged: 3 existing + {len(rows)} new = {len(rows) + 1} total" in result.stdout, result
    kept = {"ticker": "AAPL", "date": dt.date(2024, 2, 10), "open": Decimal("9.2500"), "high": Decimal("9.2500"),
            "low": Decimal("9.2500"), "close": Decimal("9.2500"), "adj_close": Decimal("9.2500"), "volume": 5}
    verify_object(bucket.get(key), "prices", sorted(rows + [kept], key=lambda r: r["date"]), key)


def test_all_rerun_lists_each_dataset_in_one_page_and_reads_only_what_changed(run, bucket, db):
    """Eight tickers: existing months are listed by ListObjectsV2 pages of `{dataset}/v1/` with
    start-after (signed like every request, verified by the S3 server), not one LIST per ticker.
    A month another writer changed is the only one read and written back."""
    first = run("--all")
    assert first.rc == 0, first
    before = snapshot(bucket)
    # Another writer rewrote one of AAPL's months with one of its rows changed.
    key = "prices/v1/AAPL/2024/03/data.parquet"
    changed = pq.read_table(io.BytesIO(bucket.get(key)))
    close = changed.column("close").to_pylist()
    close[0] = Decimal("1.0000")
    changed = changed.set_column(changed.schema.get_field_index("close"), "close", pa.array(close, changed.schema.field("close").type))
    buf = io.BytesIO()
    pq.write_table(changed, buf)
    bucket.put(key, buf.getvalue())
    # A ticker this run does not know: its keys are listed on the pages but never touched.
    bucket.put("prices/v1/ZZZZ/2024/01/data.parquet", b"not parquet")
    second = run("--all", "--verbose")
    assert second.rc == 0, second
    assert "Requests: 2 LIST, 1 GET, 1 PUT" in second.stdout, second
    assert "Total files: 1" in second.stdout, second
    after = {k: read_pyarrow(bucket.get(k))[1] for k in bucket.keys() if not k.startswith("prices/v1/ZZZZ/")}
    assert after == before
