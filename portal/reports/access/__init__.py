"""The one gate through which every report read passes, and the staff access audit log.

``gate.resolve_report_owner`` decides whose reports a request may read before any view touches
data; ``mixins`` plug it into the API (DRF) and the pages (Django views); ``audit`` writes one
``ReportAccessLog`` row per successful staff read.
"""
