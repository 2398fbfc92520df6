"""Admin for ETL run history."""
