"""Send each app to its own database: CRM and telemetry are separate OLTP systems, everything
else (auth, sessions, accounts, beat schedule, ETL runs, audit) is portal state."""

APP_DATABASES = {"crm": "crm", "telemetry": "telemetry"}


class AppDatabaseRouter:
    def _db_for(self, model):
        return APP_DATABASES.get(model._meta.app_label, "default")

    def db_for_read(self, model, **hints):
        return self._db_for(model)

    def db_for_write(self, model, **hints):
        return self._db_for(model)

    def allow_relation(self, obj1, obj2, **hints):
        return self._db_for(type(obj1)) == self._db_for(type(obj2))

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return APP_DATABASES.get(app_label, "default") == db
