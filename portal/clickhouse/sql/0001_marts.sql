-- The two monthly marts of DESIGN.md. Column names are fixed: the API, the PDF and other tools
-- read them. Partitioned by month so a month is rebuilt in staging and swapped in atomically
-- (REPLACE PARTITION); ordered by user for the portal's lookups.

CREATE TABLE IF NOT EXISTS {database}.report_user_monthly_metrics {on_cluster}
(
    user_id                    UInt64,
    month                      Date,
    total_payments             Decimal(18, 2),
    successful_payments        Decimal(18, 2),
    failed_payments_count      UInt32,
    active_subscriptions_count UInt32,
    subscription_cost_total    Decimal(18, 2),
    tickets_opened             UInt32,
    tickets_resolved           UInt32,
    data_as_of                 DateTime('UTC')
)
ENGINE = {engine:report_user_monthly_metrics}
PARTITION BY toYYYYMM(month)
ORDER BY (user_id, month);

CREATE TABLE IF NOT EXISTS {database}.report_prosthetic_monthly_metrics {on_cluster}
(
    user_id                   UInt64,
    prosthetic_id             UInt64,
    month                     Date,
    serial_number             String,
    model                     LowCardinality(String),
    limb                      LowCardinality(String),
    power_on_count            UInt32,
    total_active_hours        Decimal(12, 2),
    avg_discharge_rate_active Nullable(Decimal(10, 2)),
    avg_charge_rate           Nullable(Decimal(10, 2)),
    avg_battery_temperature_c Nullable(Decimal(6, 1)),
    charge_cycles             UInt32,
    error_count               UInt32,
    critical_error_count      UInt32,
    downtime_minutes          Decimal(12, 1),
    uptime_pct                Decimal(5, 2),
    health_status             LowCardinality(String),
    data_as_of                DateTime('UTC')
)
ENGINE = {engine:report_prosthetic_monthly_metrics}
PARTITION BY toYYYYMM(month)
ORDER BY (user_id, prosthetic_id, month);
