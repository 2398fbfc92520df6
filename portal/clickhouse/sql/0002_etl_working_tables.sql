-- The ETL's working tables (not read by the portal). See portal/etl/__init__.py.
--
-- etl_<crm table>: the CRM rows the marts were last built from (committed at the end of a
-- successful nightly or full run); etl_<crm table>_next: this run's view of the CRM (committed
-- rows still present and not changed, plus the rows changed since the watermark). Comparing the
-- two tells which months a CRM change touches. etl_crm_ids: every id the CRM has now (deletions).
-- Only the columns the marts need are copied.

CREATE TABLE IF NOT EXISTS {database}.etl_users {on_cluster}
(id Int64, created_at DateTime64(6, 'UTC'), updated_at DateTime64(6, 'UTC'))
ENGINE = {engine:etl_users} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.etl_users_next {on_cluster}
(id Int64, created_at DateTime64(6, 'UTC'), updated_at DateTime64(6, 'UTC'))
ENGINE = {engine:etl_users_next} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.etl_prosthetics {on_cluster}
(id Int64, user_id Int64, serial_number String, model String, limb String,
 activated_at DateTime64(6, 'UTC'), updated_at DateTime64(6, 'UTC'))
ENGINE = {engine:etl_prosthetics} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.etl_prosthetics_next {on_cluster}
(id Int64, user_id Int64, serial_number String, model String, limb String,
 activated_at DateTime64(6, 'UTC'), updated_at DateTime64(6, 'UTC'))
ENGINE = {engine:etl_prosthetics_next} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.etl_subscriptions {on_cluster}
(id Int64, user_id Int64, monthly_cost Decimal(18, 2), started_on Date, ended_on Nullable(Date),
 updated_at DateTime64(6, 'UTC'))
ENGINE = {engine:etl_subscriptions} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.etl_subscriptions_next {on_cluster}
(id Int64, user_id Int64, monthly_cost Decimal(18, 2), started_on Date, ended_on Nullable(Date),
 updated_at DateTime64(6, 'UTC'))
ENGINE = {engine:etl_subscriptions_next} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.etl_payments {on_cluster}
(id Int64, user_id Int64, amount Decimal(18, 2), status LowCardinality(String),
 paid_at DateTime64(6, 'UTC'), updated_at DateTime64(6, 'UTC'))
ENGINE = {engine:etl_payments} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.etl_payments_next {on_cluster}
(id Int64, user_id Int64, amount Decimal(18, 2), status LowCardinality(String),
 paid_at DateTime64(6, 'UTC'), updated_at DateTime64(6, 'UTC'))
ENGINE = {engine:etl_payments_next} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.etl_support_tickets {on_cluster}
(id Int64, user_id Int64, created_at DateTime64(6, 'UTC'), resolved_at Nullable(DateTime64(6, 'UTC')),
 updated_at DateTime64(6, 'UTC'))
ENGINE = {engine:etl_support_tickets} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.etl_support_tickets_next {on_cluster}
(id Int64, user_id Int64, created_at DateTime64(6, 'UTC'), resolved_at Nullable(DateTime64(6, 'UTC')),
 updated_at DateTime64(6, 'UTC'))
ENGINE = {engine:etl_support_tickets_next} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.etl_crm_ids {on_cluster}
(source_table LowCardinality(String), id Int64)
ENGINE = {engine:etl_crm_ids} ORDER BY (source_table, id);

-- Telemetry as received, every row (rejected ones too, with the reason, so they are counted and
-- skipped). run_id = the EtlRun that loaded the row: rows loaded after the last successful nightly
-- or full run are the ones whose months the next run recomputes. A NULL timestamp is stored as
-- 1970-01-01 with reject_reason 'missing_timestamp'. *_next is where a full run reloads
-- everything before swapping it in (EXCHANGE TABLES), so a killed full run leaves these intact.

CREATE TABLE IF NOT EXISTS {database}.etl_events {on_cluster}
(id Int64, prosthetic_id Int64, event_type LowCardinality(String), occurred_at DateTime64(6, 'UTC'),
 received_at DateTime64(6, 'UTC'), reject_reason LowCardinality(String), run_id UInt64)
ENGINE = {engine:etl_events} ORDER BY (prosthetic_id, occurred_at, id);

CREATE TABLE IF NOT EXISTS {database}.etl_events_next {on_cluster}
(id Int64, prosthetic_id Int64, event_type LowCardinality(String), occurred_at DateTime64(6, 'UTC'),
 received_at DateTime64(6, 'UTC'), reject_reason LowCardinality(String), run_id UInt64)
ENGINE = {engine:etl_events_next} ORDER BY (prosthetic_id, occurred_at, id);

CREATE TABLE IF NOT EXISTS {database}.etl_battery_metrics {on_cluster}
(id Int64, prosthetic_id Int64, measured_at DateTime64(6, 'UTC'), current_ma Int64,
 temperature_c Decimal(9, 1), is_charging UInt8, received_at DateTime64(6, 'UTC'),
 reject_reason LowCardinality(String), run_id UInt64)
ENGINE = {engine:etl_battery_metrics} ORDER BY (prosthetic_id, measured_at, id);

CREATE TABLE IF NOT EXISTS {database}.etl_battery_metrics_next {on_cluster}
(id Int64, prosthetic_id Int64, measured_at DateTime64(6, 'UTC'), current_ma Int64,
 temperature_c Decimal(9, 1), is_charging UInt8, received_at DateTime64(6, 'UTC'),
 reject_reason LowCardinality(String), run_id UInt64)
ENGINE = {engine:etl_battery_metrics_next} ORDER BY (prosthetic_id, measured_at, id);

-- Staging copies of the marts: a run builds its months here, then swaps each month into the mart
-- with ALTER TABLE ... REPLACE PARTITION, so readers never see a half-built month.

CREATE TABLE IF NOT EXISTS {database}.etl_stage_user_monthly_metrics {on_cluster}
AS {database}.report_user_monthly_metrics
ENGINE = {engine:etl_stage_user_monthly_metrics}
PARTITION BY toYYYYMM(month)
ORDER BY (user_id, month);

CREATE TABLE IF NOT EXISTS {database}.etl_stage_prosthetic_monthly_metrics {on_cluster}
AS {database}.report_prosthetic_monthly_metrics
ENGINE = {engine:etl_stage_prosthetic_monthly_metrics}
PARTITION BY toYYYYMM(month)
ORDER BY (user_id, prosthetic_id, month);
