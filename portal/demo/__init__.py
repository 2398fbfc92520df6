"""Deterministic demo data for the CRM and telemetry databases (``manage.py seed_demo``).

A plain package, not an app: ``config`` fixes the size and time window, ``crm_rows`` builds the
customers and everything that follows from them, ``telemetry_rows`` streams device events and
battery readings day by day, ``loaders`` bulk-loads rows (PostgreSQL COPY, batched SQLite
inserts), ``seeding`` runs the whole thing and ``logins`` creates the local demo sign-ins.
"""
