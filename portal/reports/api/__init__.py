"""The reports REST API (DRF): months with metrics, one month's report, its PDF."""
