"""Admin building blocks shared by the apps."""


class ReadOnlyAdminMixin:
    """Records that are written by the system (telemetry, ETL runs, the audit log) and only read in
    the admin: no add, change or delete for anyone, superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
