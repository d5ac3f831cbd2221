"""A bucket filled by the replaced Python script (and by other pandas/pyarrow/fastparquet writers):
every style of old monthly file is read, merged with new rows from MariaDB and written in the
table's schema with nothing lost, checked by pyarrow, DuckDB, polars and fastparquet.

Old files are generated here, in the test, by the real libraries; each holds some of the month's
database dates (with different values: the database row must win) and dates the database does not
have (kept, converted exactly: float64 rounded half to even to the DECIMAL scale, NaN to NULL,
timestamps at midnight to DATE)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

import harness
from harness import by_month, db_rows, object_key, verify_object

# pandas 3 deprecates engine="fastparquet"; files it wrote are still in buckets.
pytestmark = pytest.mark.filterwarnings("ignore:The 'fastparquet' engine is deprecated")

TICKER = "AAPL"
MONTH = (2024, 3)
START, END = dt.date(2024, 3, 1), dt.date(2024, 3, 31)
KEY = object_key("prices", TICKER, *MONTH)
RANGE = ("--tickers", TICKER, "--prices-only", "--start-date", START.isoformat(), "--end-date", END.isoformat())
PRICE_FIELDS = ["open", "high", "low", "close", "adj_close"]
Q4 = Decimal("0.0001")

# Dates the database does not have (weekends): the old file's rows for them must survive. Values
# as the old script stored them (float64); the last row needs rounding and has NULLs.
OLD_ONLY = [
    (dt.date(2024, 3, 2), [9.25, 101.1235, 0.0001, 55.5, 55.5], 1200),
    (dt.date(2024, 3, 9), [1234567.8912, 2.0, 3.0, 4.0, 5.0], 0),
    (dt.date(2024, 3, 16), [1.23456, 0.00015, 0.00005, float("nan"), 7.5], None),
]


def half_even(x: float) -> Decimal | None:
    """The conversion the tool applies: the shortest text of the double, rounded half to even."""
    if x != x:
        return None
    return Decimal(repr(x)).quantize(Q4, rounding=ROUND_HALF_EVEN)


def old_frame(db, *, replaced: int = 5):
    """A pandas frame in the old script's shape: float64 prices, datetime dates, int volume (float64
    when it has a NULL), holding `replaced` database dates with stale values plus OLD_ONLY."""
    import pandas as pd
    rows = db_rows(db, "prices", TICKER, START, END)
    assert len(rows) > replaced
    records = []
    for r in rows[:replaced]:
        records.append({"ticker": TICKER, "date": r["date"],
                        **{c: float(r[c] or 0) + 1.5 for c in PRICE_FIELDS}, "volume": 1})
    for d, prices, volume in OLD_ONLY:
        records.append({"ticker": TICKER, "date": d, **dict(zip(PRICE_FIELDS, prices)),
                        "volume": float("nan") if volume is None else volume})
    frame = pd.DataFrame.from_records(records)
    # pd.read_sql gave datetime64[ns] (pandas 3's to_datetime of dates gives [s], which fastparquet
    # mislabels as MILLIS: such a file is refused as "not midnight" rather than misread).
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    return frame, rows


def kept_rows(exact: bool = False) -> list[dict]:
    """OLD_ONLY as the merged file must hold them."""
    out = []
    for d, prices, volume in OLD_ONLY:
        values = [half_even(p) for p in prices] if not exact else [Decimal(repr(p)).quantize(Q4) if p == p else None for p in prices]
        out.append({"ticker": TICKER, "date": d, **dict(zip(PRICE_FIELDS, values)), "volume": volume})
    return out


def expected_rows(db_month: list[dict], kept: list[dict]) -> list[dict]:
    return sorted(db_month + kept, key=lambda r: r["date"])


def to_bytes(writer) -> bytes:
    buf = io.BytesIO()
    writer(buf)
    return buf.getvalue()


def arrow_table(frame, *, date_type=None, price_type=None, keep_index=False):
    import pyarrow as pa
    table = pa.Table.from_pandas(frame, preserve_index=keep_index)
    if date_type is not None:
        table = table.set_column(table.schema.get_field_index("date"), "date", table["date"].cast(date_type))
    if price_type is not None:
        for c in PRICE_FIELDS:
            i = table.schema.get_field_index(c)
            table = table.set_column(i, c, table[c].cast(price_type, safe=False) if not pa.types.is_decimal(price_type)
                                     else pa.array([None if v is None or v != v else Decimal(repr(v)).quantize(Q4)
                                                    for v in table[c].to_pylist()], price_type))
    return table


def pq_write(table, **kwargs) -> bytes:
    import pyarrow.parquet as pq
    return to_bytes(lambda b: pq.write_table(table, b, **kwargs))


# Each style: (id, function(frame) -> bytes, predicate on the written file's metadata proving the style)
def _styles():
    import pyarrow as pa

    def meta(body):
        import pyarrow.parquet as pq
        return pq.ParquetFile(io.BytesIO(body)).metadata

    def col(body, name):
        m = meta(body)
        names = [m.schema.column(i).name for i in range(m.num_columns)]
        return m.row_group(0).column(names.index(name)), m.schema.column(names.index(name))

    return [
        ("pandas-default-no-index",
         lambda f: to_bytes(lambda b: f.to_parquet(b, engine="pyarrow", compression="snappy", index=False)),
         lambda body: col(body, "close")[0].compression == "SNAPPY" and "__index_level_0__" not in meta(body).schema.names),
        ("pandas-default-with-index",
         lambda f: to_bytes(lambda b: f.set_axis([3 * i + 100 for i in range(len(f))]).to_parquet(b, engine="pyarrow")),
         lambda body: "__index_level_0__" in meta(body).schema.names),
        ("pyarrow-decimal128-flba",
         lambda f: pq_write(arrow_table(f, price_type=pa.decimal128(20, 4))),
         lambda body: col(body, "close")[1].physical_type == "FIXED_LEN_BYTE_ARRAY"),
        ("pyarrow-decimal-as-int64",
         lambda f: pq_write(arrow_table(f, price_type=pa.decimal128(18, 4)), store_decimal_as_integer=True),
         lambda body: col(body, "close")[1].physical_type == "INT64" and col(body, "close")[1].logical_type.type == "DECIMAL"),
        ("pyarrow-decimal-as-int32",
         lambda f: pq_write(arrow_table(f[f["open"] < 10000], price_type=pa.decimal128(9, 4)), store_decimal_as_integer=True),
         lambda body: col(body, "close")[1].physical_type == "INT32" and col(body, "close")[1].logical_type.type == "DECIMAL"),
        ("float64-plain-no-dictionary",
         lambda f: pq_write(arrow_table(f), use_dictionary=False, compression="none"),
         lambda body: "RLE_DICTIONARY" not in col(body, "close")[0].encodings and col(body, "close")[1].physical_type == "DOUBLE"),
        ("float64-dictionary",
         lambda f: pq_write(arrow_table(f), use_dictionary=True),
         lambda body: "RLE_DICTIONARY" in col(body, "close")[0].encodings),
        ("float32",
         lambda f: pq_write(arrow_table(f, price_type=pa.float32())),
         lambda body: col(body, "close")[1].physical_type == "FLOAT"),
        ("data-page-v2",
         lambda f: pq_write(arrow_table(f), data_page_version="2.0"),
         lambda body: 3 in page_types(body, "close") and 0 not in page_types(body, "close")),
        ("gzip",
         lambda f: pq_write(arrow_table(f), compression="gzip"),
         lambda body: col(body, "close")[0].compression == "GZIP"),
        ("gzip-data-page-v2",
         lambda f: pq_write(arrow_table(f), compression="gzip", data_page_version="2.0"),
         lambda body: col(body, "close")[0].compression == "GZIP" and 3 in page_types(body, "close")),
        ("timestamp-ms",
         lambda f: pq_write(arrow_table(f), coerce_timestamps="ms", allow_truncated_timestamps=False),
         lambda body: col(body, "date")[1].logical_type.to_json().find('"milliseconds"') >= 0
         or "MILLIS" in str(col(body, "date")[1].logical_type)),
        ("timestamp-us",
         lambda f: pq_write(arrow_table(f, date_type=pa.timestamp("us"))),
         lambda body: "MICROS" in str(col(body, "date")[1].logical_type).upper()
         or "microseconds" in col(body, "date")[1].logical_type.to_json()),
        ("timestamp-ns",
         lambda f: pq_write(arrow_table(f, date_type=pa.timestamp("ns")), version="2.6"),
         lambda body: "nanoseconds" in col(body, "date")[1].logical_type.to_json()),
        ("timestamp-int96",
         lambda f: pq_write(arrow_table(f), use_deprecated_int96_timestamps=True),
         lambda body: col(body, "date")[1].physical_type == "INT96"),
        ("date32",
         lambda f: pq_write(arrow_table(f, date_type=pa.date32())),
         lambda body: col(body, "date")[1].logical_type.type == "DATE"),
        ("several-row-groups",
         lambda f: pq_write(arrow_table(f), row_group_size=3),
         lambda body: meta(body).num_row_groups >= 3),
        ("several-pages",
         lambda f: pq_write(arrow_table(f), data_page_size=16, write_batch_size=2, use_dictionary=False),
         lambda body: page_types(body, "close").count(0) > 3),
        ("page-checksums-and-page-index",
         lambda f: pq_write(arrow_table(f), write_page_checksum=True, write_page_index=True),
         lambda body: col(body, "close")[0].has_offset_index),
        ("pandas-categorical-ticker",
         lambda f: to_bytes(lambda b: f.astype({"ticker": "category"}).to_parquet(b, engine="pyarrow", index=False)),
         lambda body: any(c["name"] == "ticker" and c["pandas_type"] == "categorical"
                          for c in json.loads(meta(body).metadata[b"pandas"])["columns"])),
        ("fastparquet",
         lambda f: to_bytes(lambda b: f.to_parquet(b, engine="fastparquet")),
         lambda body: meta(body).created_by.startswith("fastparquet")),
        ("fastparquet-gzip-with-index",
         lambda f: to_bytes(lambda b: f.set_axis([3 * i + 7 for i in range(len(f))]).to_parquet(b, engine="fastparquet", compression="GZIP")),
         lambda body: "index" in meta(body).schema.names and col(body, "close")[0].compression == "GZIP"),
    ]


STYLES = _styles()


@pytest.mark.parametrize("style", [s[0] for s in STYLES])
def test_old_file_styles_are_merged_with_nothing_lost(run, bucket, db, style):
    _, write, proves = next(s for s in STYLES if s[0] == style)
    frame, db_month = old_frame(db)
    body = write(frame)
    assert proves(body), f"{style}: the generated file does not have the style's feature"
    bucket.put(KEY, body)
    old_count = len(frame) - (1 if style == "pyarrow-decimal-as-int32" else 0)

    result = run(*RANGE)
    assert result.rc == 0, result
    kept = kept_rows(exact=style.startswith("pyarrow-decimal"))
    if style == "pyarrow-decimal-as-int32":  # DECIMAL(9,4) cannot hold 1234567.8912: that row was left out
        kept = [r for r in kept if r["date"] != dt.date(2024, 3, 9)]
    if style == "float32":  # the values the old file really holds: float32's own shortest text
        import numpy as np
        kept = [{**r, **{c: (None if p != p else Decimal(str(np.float32(p))).quantize(Q4, rounding=ROUND_HALF_EVEN))
                         for c, p in zip(PRICE_FIELDS, prices)}} for r, (_, prices, _) in zip(kept, OLD_ONLY)]
    want = expected_rows(db_month, kept)
    assert f"  Merged: {old_count} existing + {len(db_month)} new = {len(want)} total" in result.stdout, result
    verify_object(bucket.get(KEY), "prices", want, KEY)


def test_float64_prices_are_rounded_half_to_even_and_nan_becomes_null(run, bucket, db):
    frame, db_month = old_frame(db, replaced=0)
    bucket.put(KEY, to_bytes(lambda b: frame.to_parquet(b, engine="pyarrow", index=False)))
    result = run(*RANGE)
    assert result.rc == 0, result
    got = {r[1]: r for r in harness.read_pyarrow(bucket.get(KEY))[1]}
    row = got[dt.date(2024, 3, 16)]
    assert row[2:] == (Decimal("1.2346"), Decimal("0.0002"), Decimal("0.0000"), None, Decimal("7.5000"), None)


def test_a_value_that_does_not_fit_leaves_that_month_untouched(run, bucket, db):
    frame, _ = old_frame(db, replaced=0)
    frame.loc[0, "close"] = 1e17  # above DECIMAL(20,4)
    body = to_bytes(lambda b: frame.to_parquet(b, engine="pyarrow", index=False))
    bucket.put(KEY, body)
    result = run(*RANGE)
    assert result.rc == 1, result
    assert KEY in result.stderr and "does not fit DECIMAL(20,4)" in result.stderr and "left untouched" in result.stderr, result
    assert bucket.get(KEY) == body


def test_an_old_only_column_is_kept_as_a_nullable_column(run, bucket, db):
    frame, db_month = old_frame(db)
    frame["dividend"] = [0.25] * len(frame)
    bucket.put(KEY, to_bytes(lambda b: frame.to_parquet(b, engine="pyarrow", index=False)))
    result = run(*RANGE)
    assert result.rc == 0, result
    body = bucket.get(KEY)
    want = expected_rows(db_month, kept_rows())
    columns = harness.PRICE_COLUMNS + ["dividend"]
    kept_dates = {r["date"] for r in kept_rows()}
    want_tuples = [tuple(r[c] for c in harness.PRICE_COLUMNS) + ((0.25,) if r["date"] in kept_dates else (None,)) for r in want]
    names, rows = harness.read_pyarrow(body)
    assert names == columns and rows == want_tuples
    with harness.tempfile.NamedTemporaryFile(suffix=".parquet") as f:
        f.write(body)
        f.flush()
        for reader, source in (("duckdb", f.name), ("polars", body)):
            names, rows = getattr(harness, f"read_{reader}")(source)
            assert names == columns and rows == want_tuples, reader
        names, rows = harness.read_fastparquet(f.name)
        assert names == columns and len(rows) == len(want_tuples)
        for got_row, want_row in zip(rows, want_tuples):
            assert all(harness._approx_equal(g, w) for g, w in zip(got_row, want_row)), (got_row, want_row)


@pytest.mark.parametrize("codec", ["zstd", "lz4", "brotli"])
def test_an_unsupported_codec_fails_that_month_only(run, bucket, db, codec):
    """ZSTD/LZ4/BROTLI: the month fails naming the key and the codec, its object stays byte-identical,
    the other months are written, exit 1."""
    import pyarrow.parquet as pq
    frame, _ = old_frame(db)
    body = pq_write(arrow_table(frame), compression=codec)
    name = pq.ParquetFile(io.BytesIO(body)).metadata.row_group(0).column(0).compression
    bucket.put(KEY, body)
    result = run("--tickers", TICKER, "--prices-only", "--start-date", "2024-02-01", "--end-date", "2024-04-30")
    assert result.rc == 1, result
    failures = [line for line in result.stderr.splitlines() if "✗" in line]
    assert len(failures) == 1 and KEY in failures[0] and name.replace("_RAW", "") in failures[0], result
    assert "Failed: 1" in result.stdout, result
    assert hashlib.sha256(bucket.get(KEY)).digest() == hashlib.sha256(body).digest()
    for month in (2, 4):
        key = object_key("prices", TICKER, 2024, month)
        start = dt.date(2024, month, 1)
        end = dt.date(2024, month + 1, 1) - dt.timedelta(days=1)
        verify_object(bucket.get(key), "prices", db_rows(db, "prices", TICKER, start, end), key)


def test_a_bucket_filled_by_the_old_script_is_backfilled_again_with_nothing_lost(run, bucket, db):
    """Every month of two tickers as the replaced script wrote them (pd.read_sql floats, to_datetime
    dates, snappy, no index; fundamentals with float64 NULL-able integers), plus a row per month the
    database no longer has; one run over everything: every file in the current schema, every row."""
    import pandas as pd
    tickers = ["MSFT", "GOOGL"]
    start = dt.date(2024, 1, 1)
    kept: dict[str, list[dict]] = {}
    for ticker in tickers:
        for dataset in harness.BOTH:
            date_col, columns = harness.DATASETS[dataset]
            for key, rows in by_month(dataset, ticker, db_rows(db, dataset, ticker, start)).items():
                frame = pd.DataFrame.from_records([{c: (float(v) if isinstance(v, Decimal) else v) for c, v in r.items()}
                                                   for r in rows], columns=columns)
                taken = {r[date_col] for r in rows}
                extra_date = next(rows[0][date_col].replace(day=d) for d in range(1, 29)
                                  if rows[0][date_col].replace(day=d) not in taken)
                extra = {c: None for c in columns}
                extra.update({"ticker": ticker, date_col: extra_date})
                if dataset == "prices":
                    extra.update({"open": 1.5, "close": 2.25, "volume": 10})
                    kept_row = {**extra, "open": Decimal("1.5000"), "close": Decimal("2.2500")}
                else:
                    extra.update({"revenue": 1000.5, "fiscal_quarter": "Q9", "fiscal_year": 1999})
                    kept_row = {**extra, "revenue": Decimal("1000.50")}
                frame = pd.concat([frame, pd.DataFrame([extra], columns=columns)], ignore_index=True)
                frame[date_col] = pd.to_datetime(frame[date_col]).astype("datetime64[ns]")
                bucket.put(key, to_bytes(lambda b: frame.to_parquet(b, engine="pyarrow", compression="snappy", index=False)))
                kept[key] = [kept_row]
    result = run("--tickers", *tickers, "--start-date", start.isoformat())
    assert result.rc == 0, result
    assert sorted(bucket.keys()) == sorted(kept), "a month was added or lost"
    for ticker in tickers:
        for dataset in harness.BOTH:
            date_col = harness.DATASETS[dataset][0]
            for key, rows in by_month(dataset, ticker, db_rows(db, dataset, ticker, start)).items():
                want = sorted(rows + kept[key], key=lambda r: r[date_col])
                verify_object(bucket.get(key), dataset, want, key)


def test_compression_snappy_end_to_end(run, bucket, db):
    """--compression snappy: SNAPPY pages the four readers decode to the database's values, the page
    bodies decode with cramjam's snappy too, and a second run finds every month unchanged."""
    import pyarrow.parquet as pq
    args = ("--tickers", TICKER, "--start-date", "2024-01-01", "--compression", "snappy")
    result = run(*args)
    assert result.rc == 0, result
    for dataset in harness.BOTH:
        for key, rows in by_month(dataset, TICKER, db_rows(db, dataset, TICKER, START.replace(month=1))).items():
            body = bucket.get(key)
            meta = pq.ParquetFile(io.BytesIO(body)).metadata
            assert all(meta.row_group(0).column(i).compression == "SNAPPY" for i in range(meta.num_columns)), key
            check_pages_with_cramjam(body)
            verify_object(body, dataset, rows, key)
    again = run(*args)
    assert again.rc == 0, again
    assert "Total files: 0" in again.stdout, again


def page_types(body: bytes, column: str) -> list[int]:
    """PageType of every page in the first row group's chunk of `column` (0 data v1, 2 dictionary, 3 data v2)."""
    import pyarrow.parquet as pq
    meta = pq.ParquetFile(io.BytesIO(body)).metadata
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    chunk = meta.row_group(0).column(names.index(column))
    pos = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
    end = pos + chunk.total_compressed_size
    types = []
    while pos < end:
        fields, pos = _page_header(body, pos)
        types.append(fields[1])
        pos += fields[3]
    return types


def check_pages_with_cramjam(body: bytes) -> None:
    """Walks every page of every chunk (Thrift compact PageHeader fields 2 and 3 are the sizes) and
    decompresses its body with cramjam's raw snappy, which must give exactly the declared size."""
    import cramjam
    import pyarrow.parquet as pq
    meta = pq.ParquetFile(io.BytesIO(body)).metadata
    for i in range(meta.num_columns):
        chunk = meta.row_group(0).column(i)
        pos, end = chunk.data_page_offset, chunk.data_page_offset + chunk.total_compressed_size
        while pos < end:
            fields, pos = _page_header(body, pos)
            raw = bytes(cramjam.snappy.decompress_raw(body[pos:pos + fields[3]]))
            assert len(raw) == fields[2], "snappy page decompresses to the wrong size"
            pos += fields[3]


def _page_header(b: bytes, pos: int) -> tuple[dict[int, int], int]:
    """The i32 fields of the Thrift compact PageHeader at pos (1 type, 2 uncompressed size,
    3 compressed size), and where the page body starts."""
    def varint(p):
        v = s = 0
        while True:
            c = b[p]
            p += 1
            v |= (c & 0x7F) << s
            s += 7
            if c < 0x80:
                return v, p

    def skip(ftype, p):
        if ftype in (1, 2):
            return p
        if ftype in (3,):
            return p + 1
        if ftype in (4, 5, 6):
            return varint(p)[1]
        if ftype == 7:
            return p + 8
        if ftype == 8:
            n, p = varint(p)
            return p + n
        if ftype == 9 or ftype == 10:
            h = b[p]
            p += 1
            n, et = h >> 4, h & 0x0F
            if n == 15:
                n, p = varint(p)
            for _ in range(n):
                p = skip(et, p)
            return p
        if ftype == 12:
            return struct(p)[1]
        raise AssertionError(f"thrift type {ftype}")

    def struct(p):
        fields, last = {}, 0
        while True:
            h = b[p]
            p += 1
            if h == 0:
                return fields, p
            delta, ftype = h >> 4, h & 0x0F
            if delta == 0:
                fid, p = varint(p)
                fid = (fid >> 1) ^ -(fid & 1)
            else:
                fid = last + delta
            last = fid
            if ftype == 5:
                v, p = varint(p)
                fields[fid] = (v >> 1) ^ -(v & 1)
            else:
                p = skip(ftype, p)

    return struct(pos)


def test_compression_flag_is_validated_and_documented(run):
    bad = run("--tickers", TICKER, "--compression", "zstd", db=False)
    assert bad.rc == 2 and "--compression 'zstd' is not one of none, snappy" in bad.stderr, bad
    assert bad.stdout == "", bad
    helped = run("--help", db=False)
    assert helped.rc == 0 and "--compression none|snappy" in helped.stdout, helped
