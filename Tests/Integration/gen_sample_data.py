#!/usr/bin/env python3
"""Generates the synthetic sample data set in Fixtures/sample-data/ (prices.tsv, fundamentals.tsv).

Usage: python3 Tests/Integration/gen_sample_data.py [--out-dir Fixtures/sample-data]

Deterministic (fixed seed, Python's random.Random seeded from a string, which does not depend on
PYTHONHASHSEED): running it again gives byte-identical files. Standard library only.
TSV with a header line, tab separated, NULL written as \\N (LOAD DATA's NULL marker), columns in
table order. What the data deliberately contains (the integration tests rely on it):
  * tickers AAPL (4 years, > 1,000 price rows: thousands separators), MSFT, GOOGL (a trading halt:
    no rows 2024-04-08..2024-04-19), BRK.B, BF-B (listed 2023-07-03), ^GSPC (no fundamentals),
    RDS/A (delisted after 2024-05-31), aapl.x (lower-case, binary collation keeps it distinct);
  * business days only (Mon-Fri without 1 Jan, 4 Jul, 25 Dec);
  * NULLs in every nullable column, negative net_income / operating_income / capex / free_cash_flow;
  * DECIMAL(20,4) extremes 9999999999999999.9999 / -9999999999999999.9999 and DECIMAL(20,2)
    extremes 999999999999999999.99 / -999999999999999999.99 / -9999999999999999.99, 0.0001, 0,
    BIGINT 9223372036854775807 and 0 (all on the aapl.x rows; see EDGE_* below).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random

SEED = "backfill-from-dolt sample data v1"
NULL = "\\N"
PRICE_COLUMNS = ["ticker", "date", "open", "high", "low", "close", "adj_close", "volume"]
FUND_COLUMNS = ["ticker", "period_end", "fiscal_year", "fiscal_quarter", "revenue", "gross_profit",
                "operating_income", "net_income", "eps_diluted", "shares_diluted", "total_assets",
                "total_liabilities", "cash_and_equivalents", "operating_cash_flow", "capex",
                "free_cash_flow"]

# ticker: (first day, last day, start price, yearly drift, daily volatility, base volume,
#          fiscal year end month or None for no fundamentals, revenue scale)
TICKERS = {
    "AAPL":   (dt.date(2021, 1, 1), dt.date(2024, 12, 31), 130.0, 0.15, 0.018, 80_000_000, 9, 90e9),
    "MSFT":   (dt.date(2023, 1, 1), dt.date(2024, 12, 31), 240.0, 0.20, 0.016, 25_000_000, 6, 55e9),
    "GOOGL":  (dt.date(2023, 1, 1), dt.date(2024, 12, 31), 89.0, 0.25, 0.020, 30_000_000, 12, 75e9),
    "BRK.B":  (dt.date(2023, 1, 1), dt.date(2024, 12, 31), 308.0, 0.10, 0.010, 4_000_000, 12, 80e9),
    "BF-B":   (dt.date(2023, 7, 3), dt.date(2024, 12, 31), 67.0, -0.20, 0.015, 2_000_000, 4, 1e9),
    "^GSPC":  (dt.date(2023, 1, 1), dt.date(2024, 12, 31), 3839.5, 0.18, 0.009, 3_500_000_000, None, 0.0),
    "RDS/A":  (dt.date(2023, 1, 1), dt.date(2024, 5, 31), 57.0, 0.05, 0.014, 5_000_000, 12, 90e9),
    "aapl.x": (dt.date(2024, 1, 1), dt.date(2024, 12, 31), 12.5, 0.00, 0.030, 10_000, 12, 1e6),
}
HALTS = {"GOOGL": (dt.date(2024, 4, 8), dt.date(2024, 4, 19))}
# Edge values (column -> value) forced onto single rows; (ticker, date) -> overrides.
EDGE_PRICES = {
    ("aapl.x", dt.date(2024, 6, 3)): {"open": "9999999999999999.9999", "high": "9999999999999999.9999",
                                      "low": "-9999999999999999.9999", "close": "0.0001",
                                      "adj_close": "-0.0001", "volume": "9223372036854775807"},
    ("aapl.x", dt.date(2024, 6, 4)): {"open": "0.0000", "high": "0.0000", "low": "0.0000",
                                      "close": "0.0000", "adj_close": "0.0000", "volume": "0"},
}
EDGE_FUNDAMENTALS = {
    ("aapl.x", dt.date(2024, 6, 30)): {"revenue": "999999999999999999.99",
                                       "net_income": "-999999999999999999.99",
                                       "capex": "-9999999999999999.99",
                                       "eps_diluted": "-9999999999999999.9999",
                                       "shares_diluted": "9223372036854775807",
                                       "total_assets": "0.01", "total_liabilities": "0.00"},
}
# Columns forced to NULL somewhere (besides the random NULLs), so every nullable column has one.
FORCED_PRICE_NULLS = {("MSFT", dt.date(2024, 3, 15)): ["open", "high", "low", "close", "adj_close", "volume"],
                      ("AAPL", dt.date(2022, 8, 1)): ["adj_close"],
                      ("BRK.B", dt.date(2023, 11, 20)): ["volume"]}
FORCED_FUND_NULLS = {("GOOGL", dt.date(2023, 9, 30)): FUND_COLUMNS[2:],
                     ("BF-B", dt.date(2024, 1, 31)): ["fiscal_year", "fiscal_quarter"]}


def business_days(first: dt.date, last: dt.date) -> list[dt.date]:
    days, d = [], first
    while d <= last:
        if d.weekday() < 5 and (d.month, d.day) not in ((1, 1), (7, 4), (12, 25)):
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def money(x: float, places: int) -> str:
    return f"{x:.{places}f}"


def gen_prices(ticker: str) -> list[list[str]]:
    first, last, price, drift, vol, base_volume, _, _ = TICKERS[ticker]
    rng = random.Random(f"{SEED}|prices|{ticker}")
    halt = HALTS.get(ticker)
    adj_factor = 0.97
    rows = []
    for day in business_days(first, last):
        price *= 1.0 + drift / 252 + rng.gauss(0.0, vol)
        price = max(price, 0.5)
        if halt and halt[0] <= day <= halt[1]:
            continue
        open_ = price * (1 + rng.gauss(0, vol / 3))
        high = max(open_, price) * (1 + abs(rng.gauss(0, vol / 2)))
        low = min(open_, price) * (1 - abs(rng.gauss(0, vol / 2)))
        values = {
            "open": money(open_, 4), "high": money(high, 4), "low": money(low, 4),
            "close": money(price, 4), "adj_close": money(price * adj_factor, 4),
            "volume": str(int(base_volume * rng.lognormvariate(0, 0.35)) // 100 * 100),
        }
        for column in ("open", "high", "low", "close", "adj_close", "volume"):
            if rng.random() < 0.004:
                values[column] = NULL
        values.update(EDGE_PRICES.get((ticker, day), {}))
        for column in FORCED_PRICE_NULLS.get((ticker, day), []):
            values[column] = NULL
        rows.append([ticker, day.isoformat()] + [values[c] for c in PRICE_COLUMNS[2:]])
    return rows


def quarter_ends(first: dt.date, last: dt.date, month_end_offset: int) -> list[dt.date]:
    """Calendar quarter ends (or the last day of the months fy_end +3k) inside [first, last]."""
    ends = []
    for year in range(first.year, last.year + 1):
        for month in range(1, 13):
            if (month - month_end_offset) % 3 == 0:
                nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
                end = nxt - dt.timedelta(days=1)
                if first <= end <= last:
                    ends.append(end)
    return ends


def gen_fundamentals(ticker: str) -> list[list[str]]:
    first, last, _, _, _, _, fy_end, scale = TICKERS[ticker]
    if fy_end is None:
        return []
    rng = random.Random(f"{SEED}|fundamentals|{ticker}")
    rows = []
    for period_end in quarter_ends(first, last, fy_end % 3):
        months_after_fy_end = (period_end.month - fy_end) % 12  # 3, 6, 9 or 0
        quarter = months_after_fy_end // 3 or 4
        fiscal_year = period_end.year + (1 if period_end.month > fy_end else 0)
        revenue = scale * rng.uniform(0.85, 1.15)
        gross = revenue * rng.uniform(0.35, 0.65)
        operating = gross - revenue * rng.uniform(0.1, 0.7)        # can be negative
        net = operating * rng.uniform(0.6, 0.9) - scale * rng.uniform(0, 0.05)
        shares = int(scale / 6 * rng.uniform(0.95, 1.05)) if scale >= 1e9 else 1_000_000
        assets = revenue * rng.uniform(3, 5)
        liabilities = assets * rng.uniform(0.3, 0.8)
        ocf = net * rng.uniform(0.9, 1.4) + scale * rng.uniform(-0.05, 0.05)
        capex = -revenue * rng.uniform(0.02, 0.12)                  # negative: cash out
        values = {
            "fiscal_year": str(fiscal_year), "fiscal_quarter": f"Q{quarter}",
            "revenue": money(revenue, 2), "gross_profit": money(gross, 2),
            "operating_income": money(operating, 2), "net_income": money(net, 2),
            "eps_diluted": money(net / shares, 4), "shares_diluted": str(shares),
            "total_assets": money(assets, 2), "total_liabilities": money(liabilities, 2),
            "cash_and_equivalents": money(assets * rng.uniform(0.05, 0.2), 2),
            "operating_cash_flow": money(ocf, 2), "capex": money(capex, 2),
            "free_cash_flow": money(ocf + capex, 2),
        }
        if ticker == "BRK.B":  # insurer-like: no gross profit
            values["gross_profit"] = NULL
        for column in FUND_COLUMNS[2:]:
            if rng.random() < 0.03:
                values[column] = NULL
        values.update(EDGE_FUNDAMENTALS.get((ticker, period_end), {}))
        for column in FORCED_FUND_NULLS.get((ticker, period_end), []):
            values[column] = NULL
        rows.append([ticker, period_end.isoformat()] + [values[c] for c in FUND_COLUMNS[2:]])
    return rows


def write_tsv(path: str, columns: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(columns) + "\n")
        for row in rows:
            f.write("\t".join(row) + "\n")


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out-dir", default=os.path.join(here, "..", "..", "Fixtures", "sample-data"))
    args = parser.parse_args()
    prices = [row for t in sorted(TICKERS) for row in gen_prices(t)]
    fundamentals = [row for t in sorted(TICKERS) for row in gen_fundamentals(t)]
    # every forced edge/NULL row must exist (e.g. a forced date that is not a business day)
    keys_p = {(r[0], r[1]) for r in prices}
    keys_f = {(r[0], r[1]) for r in fundamentals}
    for (t, d) in list(EDGE_PRICES) + list(FORCED_PRICE_NULLS):
        assert (t, d.isoformat()) in keys_p, f"no price row for forced {t} {d}"
    for (t, d) in list(EDGE_FUNDAMENTALS) + list(FORCED_FUND_NULLS):
        assert (t, d.isoformat()) in keys_f, f"no fundamentals row for forced {t} {d}"
    os.makedirs(args.out_dir, exist_ok=True)
    write_tsv(os.path.join(args.out_dir, "prices.tsv"), PRICE_COLUMNS, prices)
    write_tsv(os.path.join(args.out_dir, "fundamentals.tsv"), FUND_COLUMNS, fundamentals)
    print(f"gen_sample_data: {len(prices)} price rows, {len(fundamentals)} fundamentals rows -> {args.out_dir}")


if __name__ == "__main__":
    main()
