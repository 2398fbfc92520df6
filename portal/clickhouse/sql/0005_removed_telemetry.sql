-- Telemetry rows a run took out of etl_events / etl_battery_metrics because the change feed
-- brought an update or a deletion of them (portal/etl/steps/extract_telemetry.py). The old
-- version is kept here, stamped with the run that removed it, so that the months it counted in
-- are rebuilt like the months of a new row (portal/etl/changes.py, rule 3), even when that run is
-- killed after taking it out. Rows of runs the baseline already covers are deleted by later runs.

CREATE TABLE IF NOT EXISTS {database}.etl_events_removed {on_cluster}
(id Int64, prosthetic_id Int64, event_type LowCardinality(String), occurred_at DateTime64(6, 'UTC'),
 received_at DateTime64(6, 'UTC'), reject_reason LowCardinality(String), run_id UInt64)
ENGINE = {engine:etl_events_removed} ORDER BY (prosthetic_id, occurred_at, id);

CREATE TABLE IF NOT EXISTS {database}.etl_battery_metrics_removed {on_cluster}
(id Int64, prosthetic_id Int64, measured_at DateTime64(6, 'UTC'), current_ma Int64,
 temperature_c Decimal(9, 1), is_charging UInt8, received_at DateTime64(6, 'UTC'),
 reject_reason LowCardinality(String), run_id UInt64)
ENGINE = {engine:etl_battery_metrics_removed} ORDER BY (prosthetic_id, measured_at, id);
