#!/usr/bin/env bash
# First start of the postgres container only (docker-entrypoint-initdb.d): the portal's three
# databases, Keycloak's own database and role, a read-only role that ClickHouse's postgresql()
# table function may use to pull CRM and telemetry rows, and the role the ETL's worker and beat
# use on CRM and telemetry: it reads the change feed's slots (REPLICATION) and the tables, and
# writes nothing. The migrate role (the owner, portal) creates the publications and slots.
# POSTGRES_DB (portal) and its owner POSTGRES_USER (portal) already exist when this runs.
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v keycloak_password="$KEYCLOAK_DB_PASSWORD" \
    -v reader_password="$CLICKHOUSE_PG_READER_PASSWORD" \
    -v feed_password="$ETL_FEED_PASSWORD" <<'SQL'
CREATE DATABASE crm_db OWNER portal;
CREATE DATABASE telemetry_db OWNER portal;

CREATE ROLE keycloak LOGIN PASSWORD :'keycloak_password';
CREATE DATABASE keycloak OWNER keycloak;

CREATE ROLE clickhouse_reader LOGIN PASSWORD :'reader_password';
CREATE ROLE etl_feed LOGIN REPLICATION PASSWORD :'feed_password';
REVOKE CONNECT ON DATABASE keycloak FROM PUBLIC;
REVOKE CONNECT ON DATABASE portal FROM PUBLIC;
SQL

# Django (role portal) creates the tables later; default privileges make every table it creates
# in crm_db and telemetry_db readable, and nothing else, for the reader and the feed's role.
for db in crm_db telemetry_db; do
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$db" <<'SQL'
GRANT USAGE ON SCHEMA public TO clickhouse_reader, etl_feed;
ALTER DEFAULT PRIVILEGES FOR ROLE portal IN SCHEMA public GRANT SELECT ON TABLES TO clickhouse_reader, etl_feed;
SQL
done
