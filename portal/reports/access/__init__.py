"""The one gate through which every report read passes, and the staff access audit log."""
