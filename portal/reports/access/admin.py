"""Admin for the staff report access audit log."""
