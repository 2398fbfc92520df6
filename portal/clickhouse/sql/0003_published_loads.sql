-- Mart rows are published, not swapped in place (portal/clickhouse/publication.py): each row
-- carries the load that wrote it, and readers see a month's rows of its latest published load.
-- load_id is MATERIALIZED so `SELECT *` and the fixed column lists stay as they were; rows that
-- exist already get 0 ("never published"), which readers keep showing until a load publishes
-- their month.

ALTER TABLE {database}.report_user_monthly_metrics {on_cluster}
    ADD COLUMN IF NOT EXISTS load_id UInt64 MATERIALIZED 0;

ALTER TABLE {database}.report_prosthetic_monthly_metrics {on_cluster}
    ADD COLUMN IF NOT EXISTS load_id UInt64 MATERIALIZED 0;

-- One row per (mart, rebuilt month) per load, all of a load's rows in one INSERT; rows with
-- mart = '' reserve load ids. Merges keep the latest load per (mart, month); readers take max()
-- and do not depend on them. On a cluster every node holds all of it (readers on every shard
-- filter with it).
CREATE TABLE IF NOT EXISTS {database}.mart_loads {on_cluster}
(mart LowCardinality(String), month Date, load_id UInt64, published_at DateTime64(3, 'UTC') DEFAULT now64(3))
ENGINE = {replacing_engine:mart_loads:load_id}
ORDER BY (mart, month);

-- CRM rows a run rejected (DESIGN's rules), with the reason: counted in the run record and kept
-- out of this run's CRM copy. Emptied at the start of each extract.
CREATE TABLE IF NOT EXISTS {database}.etl_crm_rejects {on_cluster}
(source_table LowCardinality(String), id Int64, reason LowCardinality(String))
ENGINE = {engine:etl_crm_rejects} ORDER BY (source_table, id);

-- The CRM copies a run has committed (load step): a retried load step skips them.
CREATE TABLE IF NOT EXISTS {database}.etl_crm_commits {on_cluster}
(run_id UInt64, source_table LowCardinality(String))
ENGINE = {engine:etl_crm_commits} ORDER BY run_id;
