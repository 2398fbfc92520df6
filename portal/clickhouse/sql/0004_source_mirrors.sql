-- Mirrors of the source tables the marts read, written by the change feed (portal/etl/feed).
--
-- One row per change: _version is the change's position in the source's write-ahead log (LSN),
-- _is_deleted marks a deletion. ReplacingMergeTree keeps the highest version of each id, so a
-- change applied twice leaves one row; read with FINAL (deleted rows drop out). A delete carries
-- only the key, so every column but id is Nullable. Only the columns the ETL reads (the marts'
-- inputs and the values its CRM rules check) are kept.

CREATE TABLE IF NOT EXISTS {database}.mirror_users {on_cluster}
(id Int64, created_at Nullable(DateTime64(6, 'UTC')), updated_at Nullable(DateTime64(6, 'UTC')),
 _version UInt64, _is_deleted UInt8)
ENGINE = {replacing:mirror_users:_version:_is_deleted} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.mirror_prosthetics {on_cluster}
(id Int64, user_id Nullable(Int64), serial_number Nullable(String), model Nullable(String),
 limb Nullable(String), activated_at Nullable(DateTime64(6, 'UTC')), status Nullable(String),
 updated_at Nullable(DateTime64(6, 'UTC')), _version UInt64, _is_deleted UInt8)
ENGINE = {replacing:mirror_prosthetics:_version:_is_deleted} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.mirror_subscriptions {on_cluster}
(id Int64, user_id Nullable(Int64), monthly_cost Nullable(Decimal(18, 2)), started_on Nullable(Date32),
 ended_on Nullable(Date32), plan Nullable(String), status Nullable(String), updated_at Nullable(DateTime64(6, 'UTC')), _version UInt64, _is_deleted UInt8)
ENGINE = {replacing:mirror_subscriptions:_version:_is_deleted} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.mirror_payments {on_cluster}
(id Int64, user_id Nullable(Int64), amount Nullable(Decimal(18, 2)), status Nullable(String),
 paid_at Nullable(DateTime64(6, 'UTC')), updated_at Nullable(DateTime64(6, 'UTC')),
 _version UInt64, _is_deleted UInt8)
ENGINE = {replacing:mirror_payments:_version:_is_deleted} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.mirror_support_tickets {on_cluster}
(id Int64, user_id Nullable(Int64), created_at Nullable(DateTime64(6, 'UTC')),
 resolved_at Nullable(DateTime64(6, 'UTC')), priority Nullable(String), status Nullable(String), updated_at Nullable(DateTime64(6, 'UTC')),
 _version UInt64, _is_deleted UInt8)
ENGINE = {replacing:mirror_support_tickets:_version:_is_deleted} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.mirror_events {on_cluster}
(id Int64, prosthetic_id Nullable(Int64), event_type Nullable(String),
 occurred_at Nullable(DateTime64(6, 'UTC')), received_at Nullable(DateTime64(6, 'UTC')),
 error_code Nullable(String), _version UInt64, _is_deleted UInt8)
ENGINE = {replacing:mirror_events:_version:_is_deleted} ORDER BY id;

CREATE TABLE IF NOT EXISTS {database}.mirror_battery_metrics {on_cluster}
(id Int64, prosthetic_id Nullable(Int64), measured_at Nullable(DateTime64(6, 'UTC')),
 current_ma Nullable(Int64), temperature_c Nullable(Decimal(18, 1)), is_charging Nullable(UInt8),
 received_at Nullable(DateTime64(6, 'UTC')), _version UInt64, _is_deleted UInt8)
ENGINE = {replacing:mirror_battery_metrics:_version:_is_deleted} ORDER BY id;

-- One row per completed initial copy of a source into its mirrors (setup_change_feed): the slot's
-- consistent point is the version of every copied row, so any change the slot holds wins over it.
CREATE TABLE IF NOT EXISTS {database}.mirror_snapshots {on_cluster}
(feed String, version UInt64, taken_at DateTime64(6, 'UTC'))
ENGINE = {engine:mirror_snapshots} ORDER BY feed;
