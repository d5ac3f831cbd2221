-- The two tables exactly as the backfill guide ("Expected Database Schema") defines them.
-- Applied by Tests/Integration/servers-up.sh to the database market_data when it has no tables yet.
CREATE TABLE prices (
    ticker VARCHAR(20) NOT NULL,
    date DATE NOT NULL,
    open DECIMAL(20, 4),
    high DECIMAL(20, 4),
    low DECIMAL(20, 4),
    close DECIMAL(20, 4),
    adj_close DECIMAL(20, 4),
    volume BIGINT,
    PRIMARY KEY (ticker, date),
    INDEX idx_ticker (ticker),
    INDEX idx_date (date)
);

CREATE TABLE fundamentals (
    ticker VARCHAR(20) NOT NULL,
    period_end DATE NOT NULL,
    fiscal_year INT,
    fiscal_quarter VARCHAR(10),
    revenue DECIMAL(20, 2),
    gross_profit DECIMAL(20, 2),
    operating_income DECIMAL(20, 2),
    net_income DECIMAL(20, 2),
    eps_diluted DECIMAL(20, 4),
    shares_diluted BIGINT,
    total_assets DECIMAL(20, 2),
    total_liabilities DECIMAL(20, 2),
    cash_and_equivalents DECIMAL(20, 2),
    operating_cash_flow DECIMAL(20, 2),
    capex DECIMAL(20, 2),
    free_cash_flow DECIMAL(20, 2),
    PRIMARY KEY (ticker, period_end),
    INDEX idx_ticker (ticker),
    INDEX idx_period_end (period_end)
);
