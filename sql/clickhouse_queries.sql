-- BionicPRO reports: the ClickHouse query book.
--
-- Ready-to-run queries over the two marts of database `reports` (docs/ARCHITECTURE.md has their
-- exact definitions). Each query starts with a `-- name:` line; parameters are ClickHouse query
-- parameters, bound by the client, e.g.
--
--   clickhouse-client --param_user_id=1 --param_month=2025-03-01 --queries-file ...
--   clickhouse_connect: client.query(sql, parameters={"user_id": 1, "month": date(2025, 3, 1)})
--
-- Months are the first day of a calendar month in UTC (`Date`). Every query here runs in the
-- test suite against seeded marts (tests/deploy/test_clickhouse_queries.py).
--
-- Read only published rows, as every query here does: a mart may also hold rows a load wrote
-- but never published (it was killed) and rows a later load superseded, until the next load
-- deletes them. A month's published rows are those of its latest load in `reports.mart_loads`
-- (rows with load_id 0 where no load published the month yet):
--   WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads
--                               WHERE mart = '<mart table>' GROUP BY month)
--          OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads
--                                            WHERE mart = '<mart table>')))
-- (portal/clickhouse/publication.py; docs/ARCHITECTURE.md, "Loading the marts").


-- ============================================================================================
-- Per user
-- ============================================================================================

-- name: user_months
-- The API's month list for one customer (GET /api/reports/{user_id}/?from=&to=): one row per
-- month in the range, oldest first. Same SQL as portal/reports/marts.py USER_MONTHS_SQL.
-- Parameters: user_id UInt64, month_from Date, month_to Date.
SELECT user_id, month, total_payments, successful_payments, failed_payments_count,
       active_subscriptions_count, subscription_cost_total, tickets_opened, tickets_resolved,
       data_as_of
FROM reports.report_user_monthly_metrics
WHERE user_id = {user_id:UInt64} AND month >= {month_from:Date} AND month <= {month_to:Date}
    AND ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics')))
ORDER BY month;

-- name: user_first_month
-- The API's "first month" of a customer: tells "before the customer's history" apart from
-- "not processed yet" for a month without a row. NULL when the customer has no rows.
-- Same SQL as portal/reports/marts.py FIRST_MONTH_SQL. Parameters: user_id UInt64.
SELECT minOrNull(month) FROM reports.report_user_monthly_metrics
WHERE user_id = {user_id:UInt64} AND ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics')));

-- name: marts_data_as_of
-- The newest data_as_of in the marts: the exclusive upper bound of the source data processed so
-- far. The API uses it when no successful ETL run is recorded in the portal database.
-- Same SQL as portal/reports/marts.py MARTS_DATA_AS_OF_SQL.
SELECT maxOrNull(data_as_of) FROM reports.report_user_monthly_metrics
WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics')));

-- name: user_year_summary
-- One customer's money over a period: paid, failed, share of successful payments, subscription
-- cost, support load. Parameters: user_id UInt64, month_from Date, month_to Date.
SELECT user_id,
       count() AS months,
       sum(total_payments) AS attempted_amount,
       sum(successful_payments) AS paid_amount,
       sum(failed_payments_count) AS failed_payments,
       round(100 * paid_amount / nullIf(attempted_amount, 0), 2) AS successful_share_pct,
       sum(subscription_cost_total) AS subscription_cost,
       sum(tickets_opened) AS opened_tickets,
       sum(tickets_resolved) AS resolved_tickets
FROM (SELECT * FROM reports.report_user_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics'))))
WHERE user_id = {user_id:UInt64} AND month BETWEEN {month_from:Date} AND {month_to:Date}
GROUP BY user_id;

-- name: top_customers_by_payments
-- Customers ranked by successful payments in a period (finance). Parameters: month_from Date,
-- month_to Date, limit UInt32.
SELECT user_id,
       sum(successful_payments) AS successful_payments,
       sum(failed_payments_count) AS failed_payments,
       max(active_subscriptions_count) AS max_active_subscriptions
FROM (SELECT * FROM reports.report_user_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics'))))
WHERE month BETWEEN {month_from:Date} AND {month_to:Date}
GROUP BY user_id
ORDER BY successful_payments DESC, user_id
LIMIT {limit:UInt32};

-- name: customers_with_failed_payments
-- Customers with at least one failed payment in a month, with the amount that did go through
-- (collections / support outreach). Parameters: month Date.
SELECT user_id, failed_payments_count, total_payments, successful_payments,
       total_payments - successful_payments AS failed_amount
FROM (SELECT * FROM reports.report_user_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics'))))
WHERE month = {month:Date} AND failed_payments_count > 0
ORDER BY failed_amount DESC, user_id;

-- name: monthly_revenue
-- The whole business per month: successful payments, failed count, customers with an active
-- subscription, subscription cost. Parameters: month_from Date, month_to Date.
SELECT month,
       sum(successful_payments) AS revenue,
       sum(failed_payments_count) AS failed_payments,
       countIf(active_subscriptions_count > 0) AS subscribed_customers,
       sum(subscription_cost_total) AS subscription_cost_total,
       sum(tickets_opened) AS tickets_opened
FROM (SELECT * FROM reports.report_user_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics'))))
WHERE month BETWEEN {month_from:Date} AND {month_to:Date}
GROUP BY month
ORDER BY month;


-- ============================================================================================
-- Per prosthetic
-- ============================================================================================

-- name: prosthetic_month
-- The API's prosthetic blocks of one customer's month (GET /api/reports/{user_id}/{YYYY-MM}/),
-- one row per prosthetic. Same SQL as portal/reports/marts.py PROSTHETIC_MONTH_SQL.
-- Parameters: user_id UInt64, month Date.
SELECT user_id, prosthetic_id, month, serial_number, model, limb, power_on_count,
       total_active_hours, avg_discharge_rate_active, avg_charge_rate, avg_battery_temperature_c,
       charge_cycles, error_count, critical_error_count, downtime_minutes, uptime_pct,
       health_status, data_as_of
FROM reports.report_prosthetic_monthly_metrics
WHERE user_id = {user_id:UInt64} AND month = {month:Date}
    AND ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics')))
ORDER BY prosthetic_id;

-- name: prosthetic_history_by_serial
-- One device's history by the serial number printed on it (support's first question).
-- Parameters: serial_number String.
SELECT month, user_id, prosthetic_id, model, limb, power_on_count, total_active_hours,
       charge_cycles, error_count, critical_error_count, uptime_pct, health_status
FROM (SELECT * FROM reports.report_prosthetic_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics'))))
WHERE serial_number = {serial_number:String}
ORDER BY month;

-- name: prosthetic_usage_trend
-- Month-over-month change in a device's use: hours and power-ons against the previous month.
-- Parameters: prosthetic_id UInt64.
SELECT month,
       total_active_hours,
       total_active_hours - lagInFrame(total_active_hours, 1, total_active_hours)
           OVER (ORDER BY month ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS hours_change,
       power_on_count,
       power_on_count - lagInFrame(power_on_count, 1, power_on_count)
           OVER (ORDER BY month ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS power_on_change
FROM (SELECT * FROM reports.report_prosthetic_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics'))))
WHERE prosthetic_id = {prosthetic_id:UInt64}
ORDER BY month;

-- name: prosthetics_needing_attention
-- Devices whose latest processed month is not healthy, worst first (critical, then warning,
-- then lowest uptime): the service team's worklist.
SELECT prosthetic_id, user_id, serial_number, model, limb, last_month,
       health_status, critical_error_count, error_count, uptime_pct, downtime_minutes
FROM
(
    SELECT prosthetic_id,
           argMax(user_id, month) AS user_id,
           argMax(serial_number, month) AS serial_number,
           argMax(model, month) AS model,
           argMax(limb, month) AS limb,
           max(month) AS last_month,
           argMax(health_status, month) AS health_status,
           argMax(critical_error_count, month) AS critical_error_count,
           argMax(error_count, month) AS error_count,
           argMax(uptime_pct, month) AS uptime_pct,
           argMax(downtime_minutes, month) AS downtime_minutes
    FROM (SELECT * FROM reports.report_prosthetic_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics'))))
    GROUP BY prosthetic_id
)
WHERE health_status != 'healthy'
ORDER BY health_status = 'critical' DESC, uptime_pct, prosthetic_id;

-- name: battery_by_model
-- Battery behaviour per model and month: mean of the devices' monthly averages (months without
-- readings are NULL and left out by avg), and how many device-months had readings at all.
-- Parameters: month_from Date, month_to Date.
SELECT model, month,
       round(avg(avg_discharge_rate_active), 2) AS mean_discharge_rate_active,
       round(avg(avg_charge_rate), 2) AS mean_charge_rate,
       round(avg(avg_battery_temperature_c), 1) AS mean_battery_temperature_c,
       count() AS device_months,
       countIf(avg_battery_temperature_c IS NOT NULL) AS device_months_with_readings
FROM (SELECT * FROM reports.report_prosthetic_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics'))))
WHERE month BETWEEN {month_from:Date} AND {month_to:Date}
GROUP BY model, month
ORDER BY model, month;

-- name: reliability_by_model_and_limb
-- Reliability of the fleet: errors and critical errors per 100 active hours, mean uptime, and
-- the share of device-months that were critical. Parameters: month_from Date, month_to Date.
SELECT model, limb,
       count() AS device_months,
       sum(error_count) AS errors,
       sum(critical_error_count) AS critical_errors,
       round(100 * sum(error_count) / nullIf(sum(total_active_hours), 0), 2) AS errors_per_100_hours,
       round(avg(uptime_pct), 2) AS avg_uptime_pct,
       round(100 * countIf(health_status = 'critical') / count(), 1) AS critical_month_share_pct
FROM (SELECT * FROM reports.report_prosthetic_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics'))))
WHERE month BETWEEN {month_from:Date} AND {month_to:Date}
GROUP BY model, limb
ORDER BY model, limb;


-- ============================================================================================
-- Across the two marts
-- ============================================================================================

-- name: customer_month_overview
-- A customer's month on one line: money from the user mart, devices summed from the prosthetic
-- mart (LEFT JOIN: a month without devices still shows, with zero devices).
-- Parameters: user_id UInt64.
SELECT u.month AS month,
       u.successful_payments AS successful_payments,
       u.failed_payments_count AS failed_payments_count,
       u.subscription_cost_total AS subscription_cost_total,
       p.devices AS devices,
       p.active_hours AS active_hours,
       p.worst_health AS worst_health
FROM (SELECT * FROM reports.report_user_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics')))) AS u
LEFT JOIN
(
    SELECT user_id, month,
           count() AS devices,
           sum(total_active_hours) AS active_hours,
           multiIf(countIf(health_status = 'critical') > 0, 'critical',
                   countIf(health_status = 'warning') > 0, 'warning', 'healthy') AS worst_health
    FROM (SELECT * FROM reports.report_prosthetic_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics'))))
    WHERE user_id = {user_id:UInt64}
    GROUP BY user_id, month
) AS p ON p.user_id = u.user_id AND p.month = u.month
WHERE u.user_id = {user_id:UInt64}
ORDER BY month
SETTINGS join_use_nulls = 1;

-- name: subscription_cost_per_active_hour
-- What an hour of use costs each customer: the month's subscription cost over the active hours
-- of all their devices (NULL when the devices were not used).
-- Parameters: month Date.
SELECT u.user_id AS user_id,
       u.subscription_cost_total AS subscription_cost_total,
       sum(p.total_active_hours) AS active_hours,
       round(u.subscription_cost_total / nullIf(sum(p.total_active_hours), 0), 2) AS cost_per_hour
FROM (SELECT * FROM reports.report_user_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics')))) AS u
INNER JOIN (SELECT * FROM reports.report_prosthetic_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics')))) AS p
    ON p.user_id = u.user_id AND p.month = u.month
WHERE u.month = {month:Date}
GROUP BY u.user_id, u.subscription_cost_total
ORDER BY user_id;

-- name: critical_devices_with_payment_trouble
-- Customers who, in the same month, had a critical device failure and a failed payment: the
-- support team calls them first.
SELECT u.user_id AS user_id, u.month AS month, u.failed_payments_count AS failed_payments_count,
       p.critical_devices AS critical_devices, u.tickets_opened AS tickets_opened
FROM (SELECT * FROM reports.report_user_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics')))) AS u
INNER JOIN
(
    SELECT user_id, month, countIf(critical_error_count > 0) AS critical_devices
    FROM (SELECT * FROM reports.report_prosthetic_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics'))))
    GROUP BY user_id, month
    HAVING critical_devices > 0
) AS p ON p.user_id = u.user_id AND p.month = u.month
WHERE u.failed_payments_count > 0
ORDER BY month, user_id;


-- ============================================================================================
-- Debugging the marts
-- ============================================================================================

-- name: partitions
-- Partitions (one per month) of both marts: rows, active parts, size. After a run each month
-- should settle to one or a few parts; many small parts mean many small inserts.
SELECT table, partition,
       sum(rows) AS rows,
       count() AS active_parts,
       formatReadableSize(sum(bytes_on_disk)) AS size_on_disk,
       max(modification_time) AS last_modified
FROM system.parts
WHERE database = 'reports' AND active
  AND table IN ('report_user_monthly_metrics', 'report_prosthetic_monthly_metrics')
GROUP BY table, partition
ORDER BY table, partition;

-- name: duplicate_user_months
-- More than one published row for a (user, month) key: must be empty. MergeTree does not
-- deduplicate, so a duplicate means a month was written twice into one load.
SELECT user_id, month, count() AS copies, groupUniqArray(data_as_of) AS data_as_of_values
FROM (SELECT * FROM reports.report_user_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics'))))
GROUP BY user_id, month
HAVING copies > 1
ORDER BY user_id, month;

-- name: duplicate_prosthetic_months
-- More than one row for a (prosthetic, month) key: must be empty.
SELECT prosthetic_id, month, count() AS copies, groupUniqArray(user_id) AS owners
FROM (SELECT * FROM reports.report_prosthetic_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics'))))
GROUP BY prosthetic_id, month
HAVING copies > 1
ORDER BY prosthetic_id, month;

-- name: user_month_coverage_gaps
-- Customers whose months are not contiguous: every month from the first one through the last
-- must have a row (DESIGN.md), so `missing_months` must be 0 everywhere.
SELECT user_id, min(month) AS first_month, max(month) AS last_month,
       count(DISTINCT month) AS months_present,
       dateDiff('month', min(month), max(month)) + 1 - count(DISTINCT month) AS missing_months
FROM (SELECT * FROM reports.report_user_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics'))))
GROUP BY user_id
HAVING missing_months != 0
ORDER BY user_id;

-- name: prosthetic_month_coverage_gaps
-- The same for devices: a row for every month since activation.
SELECT prosthetic_id, min(month) AS first_month, max(month) AS last_month,
       count(DISTINCT month) AS months_present,
       dateDiff('month', min(month), max(month)) + 1 - count(DISTINCT month) AS missing_months
FROM (SELECT * FROM reports.report_prosthetic_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics'))))
GROUP BY prosthetic_id
HAVING missing_months != 0
ORDER BY prosthetic_id;

-- name: last_months_behind_data_as_of
-- Customers and devices whose last month is older than the month of the newest data_as_of:
-- their latest months were not built by the last run (e.g. a run that stopped half-way).
SELECT 'user' AS kind, user_id AS id, max(month) AS last_month
FROM (SELECT * FROM reports.report_user_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics'))))
GROUP BY user_id
HAVING last_month < (SELECT toStartOfMonth(max(data_as_of) - 1) FROM (SELECT * FROM reports.report_user_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics')))))
UNION ALL
SELECT 'prosthetic' AS kind, prosthetic_id AS id, max(month) AS last_month
FROM (SELECT * FROM reports.report_prosthetic_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics'))))
GROUP BY prosthetic_id
HAVING last_month < (SELECT toStartOfMonth(max(data_as_of) - 1) FROM (SELECT * FROM reports.report_prosthetic_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics')))))
ORDER BY kind, id;

-- name: devices_without_an_owner_month
-- Prosthetic rows with no user row for the same owner and month (a device month outside its
-- owner's history): must be empty.
SELECT p.prosthetic_id AS prosthetic_id, p.user_id AS user_id, p.month AS month
FROM (SELECT * FROM reports.report_prosthetic_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics')))) AS p
LEFT ANTI JOIN (SELECT * FROM reports.report_user_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics')))) AS u
    ON u.user_id = p.user_id AND u.month = p.month
ORDER BY prosthetic_id, month;

-- name: health_status_mismatches
-- Rows whose health_status disagrees with DESIGN.md's rule (critical if any critical error;
-- else warning if 5+ errors or uptime under 99.5 %; else healthy): must be empty.
SELECT prosthetic_id, month, health_status, critical_error_count, error_count, uptime_pct,
       multiIf(critical_error_count > 0, 'critical',
               error_count >= 5 OR uptime_pct < 99.5, 'warning', 'healthy') AS expected_status
FROM (SELECT * FROM reports.report_prosthetic_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics'))))
WHERE health_status != expected_status
ORDER BY prosthetic_id, month;

-- name: data_as_of_by_month
-- Which run built each month: the data_as_of values per month in each mart. A month rebuilt by
-- a later incremental run carries that run's data_as_of; more than one value inside one month
-- of one mart means the month was not swapped in whole.
SELECT 'user' AS mart, month, groupUniqArray(data_as_of) AS data_as_of_values, count() AS rows
FROM (SELECT * FROM reports.report_user_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_user_monthly_metrics'))))
GROUP BY month
UNION ALL
SELECT 'prosthetic' AS mart, month, groupUniqArray(data_as_of) AS data_as_of_values, count() AS rows
FROM (SELECT * FROM reports.report_prosthetic_monthly_metrics WHERE ((month, load_id) IN (SELECT month, max(load_id) FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics' GROUP BY month) OR (load_id = 0 AND month NOT IN (SELECT month FROM reports.mart_loads WHERE mart = 'report_prosthetic_monthly_metrics'))))
GROUP BY month
ORDER BY mart, month;
