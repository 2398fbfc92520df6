"""Settings for the BionicPRO reports portal.

Every knob is an environment variable read once here, with an embedded default that needs no
server: SQLite files for the three databases, embedded chDB for the ClickHouse marts and a
filesystem broker for Celery, all under ``DATA_DIR``. Production sets the variables listed in
``.env.example`` (PostgreSQL, a ClickHouse server, Redis, the OpenID provider).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env("DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Local development (`make demo`, `make test`, a developer's runserver) is the default and runs over
# plain http. Every other deployment sets PORTAL_LOCAL_DEVELOPMENT=false (docker-compose does):
# cookies are then Secure, HSTS is on, and the secrets below must come from the environment.
LOCAL_DEVELOPMENT = env.bool("PORTAL_LOCAL_DEVELOPMENT", default=True)
# The embedded key is committed, so it signs nothing outside local development: there a missing
# DJANGO_SECRET_KEY stops the start (and `check --deploy` flags the key; portal/core/checks.py).
LOCAL_DEVELOPMENT_SECRET_KEY = "insecure-local-demo-key-change-me-" + "x" * 20
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not LOCAL_DEVELOPMENT:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Outside local development (PORTAL_LOCAL_DEVELOPMENT=false) "
            "the portal needs its own secret key: set DJANGO_SECRET_KEY to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = LOCAL_DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "mozilla_django_oidc",
    "portal.core",
    "portal.accounts",
    "portal.crm",
    "portal.telemetry",
    "portal.clickhouse",
    "portal.etl",
    "portal.reports",
    "portal.demo",
]

MIDDLEWARE = [
    # First: X-Forwarded-* count only from PORTAL_TRUSTED_PROXIES (the client address, https).
    "portal.core.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.core.local_time.LocalTimeZoneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.accounts.middleware.TokenRenewalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.core.admin_timeout.AdminStatementTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.accounts.headers.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# --- Databases: portal state, CRM and telemetry each on their own connection -----------------
def _sqlite_url(name: str) -> str:
    return f"sqlite:///{DATA_DIR / f'{name}.sqlite3'}"


DATABASES = {
    "default": env.db("DATABASE_URL", default=_sqlite_url("portal")),
    "crm": env.db("CRM_DATABASE_URL", default=_sqlite_url("crm")),
    "telemetry": env.db("TELEMETRY_DATABASE_URL", default=_sqlite_url("telemetry")),
}
for _alias, _db in DATABASES.items():
    # Connections are kept between requests (per thread): opening one costs more than a cached
    # report request's whole query work.
    _db["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    _db["CONN_HEALTH_CHECKS"] = True
    if _db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web process read while the seeder or the worker writes.
        _db.setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
        _db["OPTIONS"]["timeout"] = 20
DATABASE_ROUTERS = ["portal.db_router.AppDatabaseRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Seconds any one statement of an admin request may run on PostgreSQL (portal/core/admin_timeout.py).
ADMIN_STATEMENT_TIMEOUT = env.float("ADMIN_STATEMENT_TIMEOUT", default=10.0)

# --- ClickHouse marts ---------------------------------------------------------------------------
# chdb:///abs/path = embedded chDB; http(s)://user:pass@host:8123/db = a ClickHouse server.
CLICKHOUSE_URL = env("CLICKHOUSE_URL", default=f"chdb://{DATA_DIR / 'chdb'}")
CLICKHOUSE_DATABASE = env("CLICKHOUSE_DATABASE", default="reports")
# When set, DDL is generated for a cluster (Replicated*MergeTree + Distributed, ON CLUSTER).
CLICKHOUSE_CLUSTER = env("CLICKHOUSE_CLUSTER", default="")
# Seconds a process waits for the embedded chDB directory lock before giving up with a message.
CLICKHOUSE_LOCK_TIMEOUT = env.float("CLICKHOUSE_LOCK_TIMEOUT", default=30.0)
# Each embedded chDB open/close leaves about 5 threads behind (portal/clickhouse/threads.py): a web
# worker past this many threads (a warm one has 50-80) is replaced after its request.
CLICKHOUSE_PROCESS_MAX_THREADS = env.int("CLICKHOUSE_PROCESS_MAX_THREADS", default=150)

# --- ETL (portal/etl) -----------------------------------------------------------------
# ClickHouse pulls CRM and telemetry rows itself (postgresql() / sqlite() table functions) with the
# connection details of DATABASES["crm"] / ["telemetry"]. A ClickHouse server may reach PostgreSQL
# under another address (docker-compose: "postgres:5432") and should use a read-only role.
ETL_SOURCE_HOST = env("ETL_SOURCE_HOST", default="")
ETL_SOURCE_USER = env("ETL_SOURCE_USER", default="")
ETL_SOURCE_PASSWORD = env("ETL_SOURCE_PASSWORD", default="")
# A running ETL run whose heartbeat is older than this is considered dead (worker killed).
ETL_STALE_AFTER_SECONDS = env.int("ETL_STALE_AFTER_SECONDS", default=600)
# A step whose process is alive keeps its heartbeat fresh, so staleness alone never ends a hung
# step: Celery's time limit does (soft: the step fails and marks its run failed; hard: the worker
# child is killed 60 s later). A full --scale 10 build takes seconds; the limit leaves wide room.
ETL_STEP_TIME_LIMIT_SECONDS = env.int("ETL_STEP_TIME_LIMIT_SECONDS", default=2 * ETL_STALE_AFTER_SECONDS)

# --- Change feed (portal/etl/feed) --------------------------------------------------------------
# Publication and slot names are "<prefix>_crm" and "<prefix>_telemetry"; slots are per PostgreSQL
# cluster, so two deployments sharing a server need two prefixes.
CHANGE_FEED_SLOT_PREFIX = env("CHANGE_FEED_SLOT_PREFIX", default="bionicpro")
# Off: every source is read by watermark, even a PostgreSQL with logical replication.
CHANGE_FEED_ENABLED = env.bool("CHANGE_FEED_ENABLED", default=True)
# Changes read from a slot per batch (whole transactions: a larger transaction comes whole).
CHANGE_FEED_BATCH_CHANGES = env.int("CHANGE_FEED_BATCH_CHANGES", default=20_000)
# The refresh tick (bionicpro_marts_refresh): its default interval (editable in the admin once
# created) and how long its run rows are kept.
MARTS_REFRESH_SECONDS = env.int("MARTS_REFRESH_SECONDS", default=60)
# After a tick that applied changes, the scheduled task ticks again at once (changes that landed
# meanwhile) until one finds nothing, for at most this long (refresh.refresh_until_caught_up).
MARTS_REFRESH_CATCH_UP_SECONDS = env.int("MARTS_REFRESH_CATCH_UP_SECONDS", default=30)
ETL_TICK_RETENTION_DAYS = env.int("ETL_TICK_RETENTION_DAYS", default=14)
# The ETL runs page shows an alert when the oldest unread change in a slot is older than this.
CHANGE_FEED_LAG_ALERT_SECONDS = env.int("CHANGE_FEED_LAG_ALERT_SECONDS", default=300)

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = DATA_DIR / "celery-queue"
    (_queue_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_queue_dir / "processed"),
        "store_processed": False,
        # Broadcasts (e.g. revoking a task) keep their exchange table here; kombu's default is a
        # "control" folder in the current directory, which left one in the checkout.
        "control_folder": str(_queue_dir / "control"),
    }
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
# Every task has a limit; the ETL's step tasks set their own (ETL_STEP_TIME_LIMIT_SECONDS).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=15 * 60)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool process opens embedded chDB once per task and keeps the threads each open leaves behind
# (portal/clickhouse/threads.py): replace it now and then.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=100)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Queue the portal's tasks go to and workers consume (tests give each run its own).
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# The refresh tick has a queue of its own, consumed by a worker of its own (the `refresher` role
# in docker-compose, the second worker of `make demo`): a month's report e-mails or a nightly run
# waiting on the default queue must not hold the marts' freshness back.
MARTS_REFRESH_QUEUE = env("MARTS_REFRESH_QUEUE", default="marts")
CELERY_TASK_ROUTES = {"etl.refresh_marts": {"queue": MARTS_REFRESH_QUEUE}}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
DJANGO_CELERY_BEAT_TZ_AWARE = True

# --- Cache (JSON report cache, ETL lock helpers) ------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{DATA_DIR / 'cache'}")}

# --- Files: static assets and the cached PDFs ---------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(DATA_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
REPORTS_STORAGE_ROOT = Path(env("REPORTS_STORAGE_ROOT", default=str(DATA_DIR / "reports")))
# S3-compatible storage (MinIO in docker-compose) is used when a bucket is named.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID", default=None)
AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY", default=None)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(REPORTS_STORAGE_ROOT)},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": AWS_STORAGE_BUCKET_NAME, "default_acl": "private"},
    }
# In docker-compose nginx serves cached PDFs from this internal location after Django's check.
REPORTS_X_ACCEL_REDIRECT_PREFIX = env("REPORTS_X_ACCEL_REDIRECT_PREFIX", default="")
# Seconds a report request waits for the embedded chDB lock (held by the ETL) before answering 503.
REPORTS_CLICKHOUSE_WAIT = env.float("REPORTS_CLICKHOUSE_WAIT", default=5.0)

# --- E-mail: the monthly report delivery (portal/reports/delivery) -------------------------------
# EMAIL_URL (django-environ: smtp://user:pass@host:25, submission://...:587 for STARTTLS,
# smtp+ssl://...:465) picks the mail server; without it e-mails are written as files under
# DATA_DIR/mail (Django's file backend), so the demo shows them without a mail server.
if env("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
    EMAIL_PORT = _email["EMAIL_PORT"] or 25
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
    EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = str(DATA_DIR / "mail")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="BionicPRO <reports@bionicpro.example>")
# Absolute address of the portal for links in e-mails (unsubscribe, settings, the PDF link).
PORTAL_PUBLIC_URL = env("PORTAL_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")
# Monthly report e-mails: off switch for the whole portal, sending pace per worker, and the size
# above which the PDF is linked (through the portal's sign-in and access gate) instead of attached.
REPORT_DELIVERY_ENABLED = env.bool("REPORT_DELIVERY_ENABLED", default=True)
REPORT_DELIVERY_PER_MINUTE = env.int("REPORT_DELIVERY_PER_MINUTE", default=600)
REPORT_DELIVERY_MAX_ATTACHMENT_BYTES = env.int(
    "REPORT_DELIVERY_MAX_ATTACHMENT_BYTES", default=5 * 1024 * 1024
)
# A temporary SMTP failure (4xx, no connection) is retried after 1x, 2x, 4x ... this many seconds.
REPORT_DELIVERY_RETRY_SECONDS = env.int("REPORT_DELIVERY_RETRY_SECONDS", default=60)
REPORT_DELIVERY_MAX_RETRIES = env.int("REPORT_DELIVERY_MAX_RETRIES", default=6)
# An e-mail claimed by a worker that has not finished after this many seconds counts as abandoned.
REPORT_DELIVERY_STALE_AFTER_SECONDS = env.int("REPORT_DELIVERY_STALE_AFTER_SECONDS", default=600)
# How long the signed PDF link in an e-mail stays valid.
REPORT_DELIVERY_LINK_DAYS = env.int("REPORT_DELIVERY_LINK_DAYS", default=90)

# --- Auth ---------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The local password form (no OIDC): failed attempts allowed per account and per client address
# within a window of PORTAL_LOGIN_LOCKOUT_SECONDS, counted in CACHES["default"]; then 429.
PORTAL_LOGIN_FAILURES_PER_ACCOUNT = env.int("PORTAL_LOGIN_FAILURES_PER_ACCOUNT", default=5)
PORTAL_LOGIN_FAILURES_PER_ADDRESS = env.int("PORTAL_LOGIN_FAILURES_PER_ADDRESS", default=20)
PORTAL_LOGIN_LOCKOUT_SECONDS = env.int("PORTAL_LOGIN_LOCKOUT_SECONDS", default=15 * 60)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/reports/"
LOGOUT_REDIRECT_URL = "/"

# OpenID Connect (mozilla-django-oidc, authorization code flow with PKCE). OIDC is on when a client id
# and either a discovery URL or explicit endpoints are set; endpoints left empty come from discovery.
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_DISCOVERY_URL = env("OIDC_OP_DISCOVERY_URL", default="")
OIDC_OP_ISSUER = env("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_LOGOUT_ENDPOINT = env("OIDC_OP_LOGOUT_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", default="openid email profile")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=5.0)
OIDC_CLOCK_LEEWAY_SECONDS = 30
# Where the token carries roles and the CRM customer id (Keycloak: realm roles, a user attribute).
OIDC_ROLES_CLAIM = env("OIDC_ROLES_CLAIM", default="realm_access.roles")
OIDC_CRM_USER_ID_CLAIM = env("OIDC_CRM_USER_ID_CLAIM", default="crm_user_id")
# Access tokens live at most 2 minutes at the provider; renew this many seconds before expiry.
OIDC_RENEW_LEEWAY_SECONDS = env.int("OIDC_RENEW_LEEWAY_SECONDS", default=15)
OIDC_ACCESS_TOKEN_DEFAULT_TTL = 60
OIDC_ENABLED = bool(
    OIDC_RP_CLIENT_ID
    and (
        OIDC_OP_DISCOVERY_URL
        or (OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_JWKS_ENDPOINT)
    )
)
# With OIDC on, the OIDC backend is the only one: the password form and password checks are off.
AUTHENTICATION_BACKENDS = (
    ["portal.accounts.backend.PortalOIDCBackend"]
    if OIDC_ENABLED
    else ["portal.accounts.backend.PortalModelBackend"]
)

# Tokens stay in the server-side session; the browser holds only this HttpOnly cookie. Sessions are
# read through the cache (the database stays the record): signing out deletes both, so a
# signed-out session id stops working at once in every process.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not LOCAL_DEVELOPMENT
SESSION_COOKIE_AGE = env.int("PORTAL_SESSION_SECONDS", default=8 * 3600)
CSRF_COOKIE_SECURE = not LOCAL_DEVELOPMENT
CSRF_COOKIE_HTTPONLY = True

# --- Security headers -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not LOCAL_DEVELOPMENT)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if LOCAL_DEVELOPMENT else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not LOCAL_DEVELOPMENT
SECURE_HSTS_PRELOAD = not LOCAL_DEVELOPMENT
# Addresses (CIDR) of the reverse proxy in front of the portal (nginx's fixed address in
# docker-compose). Only requests from these keep their X-Forwarded-* headers (portal/core/proxy.py).
PORTAL_TRUSTED_PROXIES = env.list("PORTAL_TRUSTED_PROXIES", default=[])
# Behind a TLS-terminating proxy (nginx) that sets X-Forwarded-Proto; never trust it without one.
# X-Forwarded-Host stays unused (USE_X_FORWARDED_HOST off): nginx passes the Host header as it came.
if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    if not PORTAL_TRUSTED_PROXIES:
        raise ImproperlyConfigured(
            "DJANGO_BEHIND_TLS_PROXY needs PORTAL_TRUSTED_PROXIES: the address (CIDR) of the proxy "
            "whose X-Forwarded-Proto the portal may believe."
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = env(
    "PORTAL_CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'",
)

# The debug error page masks the credentials in every connection URL (broker, cache, ClickHouse).
DEFAULT_EXCEPTION_REPORTER_FILTER = "portal.core.debug.CredentialsSafeExceptionReporterFilter"

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # mozilla-django-oidc's DRF authentication; it does nothing while OIDC is not configured.
        "portal.accounts.api_auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # One error shape for every API error: {"detail", "code", ...extra}.
    "EXCEPTION_HANDLER": "portal.core.api.exception_handler.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BionicPRO reports API",
    "DESCRIPTION": "Monthly payment and prosthesis reports for BionicPRO customers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page's assets come from the installed sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Internationalisation: Russian by default, English available --------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Logging: nothing sensitive (tokens, passwords) is ever logged -------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every rendering step at INFO.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}
