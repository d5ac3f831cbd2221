#!/usr/bin/env python3
"""Writes the pyarrow/pandas-style fixtures in this folder and their expected rows.

    python3 make_pyarrow_fixtures.py /work/shared/parquet   # path of check_parquet.py + minipq.py

Each file exercises a reader feature that pyarrow/pandas use by default or on request
(SNAPPY, GZIP, dictionary pages with RLE_DICTIONARY / PLAIN_DICTIONARY indices, the PLAIN
fallback after the dictionary limit, data page v2, several pages and row groups, pandas
index columns, an empty table).  expected/<name>.json uses the check_parquet.py
--expect-json format, normalised by check_parquet.norm_value with pyarrow as the oracle.
Not run at build or test time; the outputs are committed.
"""
import datetime as dt
import decimal
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else '/work/shared/parquet')
import check_parquet  # noqa: E402
import minipq  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402


def table(n):
    tickers = ['AAPL', 'BRK.B', 'ØRSTED.CO', '', 'MSFT', None, 'ZZZZ']
    rows = {
        'ticker': [tickers[i % len(tickers)] for i in range(n)],
        'date': [dt.date(2024, 3, 1) + dt.timedelta(days=i % 31) if i % 11 else None for i in range(n)],
        'close': [decimal.Decimal(i * 37 - 500).scaleb(-4) if i % 5 else None for i in range(n)],
        'volume': [i * 1000 - 7 if i % 3 else None for i in range(n)],
        'adj': [i / 8 if i % 4 else None for i in range(n)],
        'flag': [bool(i % 2) if i % 6 else None for i in range(n)],
        'year': pa.array([2000 + i % 30 for i in range(n)], pa.int32()),
    }
    schema = pa.schema([('ticker', pa.string()), ('date', pa.date32()), ('close', pa.decimal128(20, 4)),
                        ('volume', pa.int64()), ('adj', pa.float64()), ('flag', pa.bool_()),
                        pa.field('year', pa.int32(), nullable=False)])
    return pa.table(rows, schema=schema)


def expected(path, name):
    mp = minipq.MiniParquet(path)
    t = pq.ParquetFile(path).read(use_pandas_metadata=False)
    kinds = {l.name: l.kind() for l in mp.leaves}
    cols = [{'name': l.name, 'type': kinds[l.name], 'nullable': l.repetition != 0} for l in mp.leaves]
    data = {c: t.column(c).to_pylist() for c in t.column_names}
    rows = [{c['name']: check_parquet.norm_value(kinds[c['name']], data[c['name']][i]) for c in cols}
            for i in range(t.num_rows)]
    doc = {'file': name, 'oracle': 'pyarrow %s' % pa.__version__, 'columns': cols, 'num_rows': t.num_rows, 'rows': rows}
    os.makedirs(os.path.join(HERE, 'expected'), exist_ok=True)
    with open(os.path.join(HERE, 'expected', name[:-len('.parquet')] + '.json'), 'w', encoding='utf-8') as fh:
        json.dump(doc, fh, ensure_ascii=False, separators=(',', ':'))
        fh.write('\n')


def main():
    files = {
        'pa_default_snappy.parquet': lambda p: pq.write_table(table(300), p),
        'pa_v1_plain_dictionary.parquet': lambda p: pq.write_table(table(120), p, version='1.0', compression='none'),
        'pa_v2_pages_gzip.parquet': lambda p: pq.write_table(table(200), p, data_page_version='2.0', compression='gzip'),
        'pa_v2_pages_uncompressed.parquet': lambda p: pq.write_table(table(50), p, data_page_version='2.0', compression='none'),
        'pa_dict_fallback_multi_rowgroup.parquet': lambda p: pq.write_table(
            table(400), p, row_group_size=150, data_page_size=256, write_batch_size=16,
            dictionary_pagesize_limit=64, compression='snappy'),
        'pa_empty.parquet': lambda p: pq.write_table(table(0), p),
        'pandas_index_snappy.parquet': lambda p: pd.DataFrame(
            {'ticker': ['AAPL', 'MSFT', None], 'close': [187.15, float('nan'), -0.5],
             'date': pd.to_datetime(['2024-03-01', '2024-03-04', '2024-03-05'])},
            index=pd.Index([10, 20, 30], name=None)).to_parquet(p),
    }
    for name, write in files.items():
        path = os.path.join(HERE, name)
        write(path)
        expected(path, name)
        print('wrote', name, os.path.getsize(path))


if __name__ == '__main__':
    main()
