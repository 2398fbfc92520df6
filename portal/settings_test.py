"""Test settings: the real settings, with every file-based store in a per-run temporary folder
and uniquely named test databases, so parallel and repeated runs never share state."""

import os
import tempfile
import uuid

_RUN_ID = uuid.uuid4().hex[:8]
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix=f"bionicpro-test-{_RUN_ID}-"))
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + _RUN_ID * 4)

from portal.settings import *  # noqa: E402,F403
from portal.settings import DATA_DIR, DATABASES, STATIC_ROOT  # noqa: E402

# WhiteNoise warns on every request when its root is missing; tests never collect static files.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

for _alias, _db in DATABASES.items():
    if _db["ENGINE"] == "django.db.backends.sqlite3":
        # A file, not :memory:, so chDB's sqlite() table function can read what tests write.
        _db["TEST"] = {"NAME": str(DATA_DIR / f"test_{_alias}.sqlite3")}
    else:
        _db["TEST"] = {"NAME": f"test_{_db['NAME']}_{_RUN_ID}"}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True

# Report e-mails: the ETL tests and most others must not send; delivery tests turn it on.
REPORT_DELIVERY_ENABLED = False
CHANGE_FEED_SLOT_PREFIX = f"test_{_RUN_ID}"  # slots are per PostgreSQL cluster: one name per test run
