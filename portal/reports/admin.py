# The reports app registers its admin classes next to their domains.
from portal.reports.access import admin as access_admin  # noqa: F401
from portal.reports.delivery import admin as delivery_admin  # noqa: F401
