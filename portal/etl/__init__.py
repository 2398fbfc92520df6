"""The nightly ETL: CRM and telemetry into the ClickHouse marts."""
