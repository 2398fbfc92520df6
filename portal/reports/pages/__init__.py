"""The customer-facing HTML pages under /reports/."""
