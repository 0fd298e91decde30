"""Settings, read from the environment.

With nothing set the app runs embedded: SQLite under var/, no Redis, Celery tasks run
eagerly and outgoing messages stay in the database. With DATABASE_URL and REDIS_URL it
runs as in production.
"""

import datetime as dt
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_header, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

DEBUG = env_bool("DEBUG", default=not env_str("DATABASE_URL"))
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "axes",
    "practice",
    "patients",
    "appointments",
    "departure_workflow",
    "messaging",
    "marketing_workflows",
    "crm",
    "online_booking",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "practice.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "practice.middleware.CurrentPracticeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a flagged login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

# Production (DEBUG false) is served over HTTPS only. A TLS-terminating proxy in front names
# the original scheme in a header: SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https".
# Set the header only when the proxy always sets or overwrites it.
SECURE_PROXY_SSL_HEADER = env_header("SECURE_PROXY_SSL_HEADER")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = env_bool(
    "SECURE_COOKIES", not DEBUG
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Leaving the domain off the browsers' preload list is a choice, not an oversight.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Content security policy (django-csp): scripts and styles only from our own static files, or
# inline with the request's nonce ({{ request.csp_nonce }}). Inline style="" attributes and
# on*="" handlers are refused: templates set layout through data attributes read by
# static/js/app.js, and wire behaviour the same way.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# Features no page uses are switched off for the page and anything it might embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "serial",
        "bluetooth",
        "hid",
        "midi",
        "display-capture",
        "browsing-topics",
    )
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "practice.context_processors.current_practice",
                "crm.context_processors.tasks",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if not IS_POSTGRES:
    # The embedded SQLite ignores covering indexes' INCLUDE columns (the contact history's
    # report index); the index still works there, only slower, so no warning on every run.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# django-axes first: it refuses a locked-out (username, address) before the password is read.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "calendar"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("nl", _("Dutch")),
    ("it", _("Italian")),
    ("ru", _("Russian")),
    ("fi", _("Finnish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own formats where Django's do not suit a European practice (English: day-month-year).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]

# Redis: broker and cache when REDIS_URL is set; otherwise tasks run in-process.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# Public online booking, per client address (django-ratelimit counts in the default cache).
ONLINE_BOOKING_RATE_READ = env_str("ONLINE_BOOKING_RATE_READ", "120/m")
ONLINE_BOOKING_RATE_BOOK = env_str("ONLINE_BOOKING_RATE_BOOK", "10/10m")
# The contact history's integration API (telephony, website), per API key.
CRM_API_RATE = env_str("CRM_API_RATE", "600/m")
# Days of fake calls, chats and web requests seed_demo posts for each demo practice.
CRM_DEMO_DAYS = env_int("CRM_DEMO_DAYS", 30)
# How many proxies stand in front of the app (each appends to X-Forwarded-For); 0: none,
# the connection's address is the client's. practice.client_ip reads it, for every limit.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
RATELIMIT_IP_META_KEY = "practice.client_ip.client_ip"

# Brute-force protection (django-axes) on the staff login, the admin login and the API's
# Basic auth: after LOGIN_FAILURE_LIMIT wrong passwords in a row for one username from one
# address, that pair is locked for LOGIN_LOCKOUT_MINUTES (each further try restarts the
# wait); the same user from another address is not affected. A successful login resets.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "practice.lockout.lockout_response"
# The client's address as the public booking limits read it (TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "practice.client_ip.client_ip"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "practice.api.authentication.LockoutAwareBasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["practice.api.permissions.IsPracticeMember"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "practice.api.schema.PracticeAutoSchema",
    "EXCEPTION_HANDLER": "practice.api.exceptions.exception_handler",
}
# The API's schema and docs: open to anyone while developing; in production only to logged-in
# staff (practice members or Django staff) unless API_DOCS_PUBLIC=true.
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", DEBUG)
SPECTACULAR_SETTINGS = {
    "TITLE": "Practice platform API",
    "DESCRIPTION": (
        "Clients, patients, appointments, consultation types, practitioners, messages, "
        "payments, treatment plans, recalls and reports."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["practice.api.permissions.CanReadApiDocs"],
    # Contact preference and message delivery share their values: one enum in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ChannelChoiceEnum": "patients.models.Delivery",
        # Several models have a `status`: each its own enum, named after its model.
        "AppointmentStatusEnum": "appointments.models.Appointment.Status",
        "MessageStatusEnum": "messaging.models.Message.Status",
        "TreatmentPlanStatusEnum": "appointments.models.TreatmentPlan.Status",
        "PlannedTreatmentStatusEnum": "appointments.models.PlannedTreatment.Status",
        # Read and written by the recalls API: one enum, however many components use it.
        "RecallKindEnum": "appointments.models.Recall.Kind",
    },
    # Swagger UI's files are served by us, not fetched from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Outgoing SMS are kept in the database unless a provider is configured ("twilio").
MESSAGING_PROVIDER = env_str("MESSAGING_PROVIDER", "database")
SMS_PROVIDERS = {
    "database": "messaging.providers.DatabaseSmsProvider",
    "twilio": "messaging.twilio_provider.TwilioSmsProvider",
}
TWILIO_API_BASE_URL = env_str("TWILIO_API_BASE_URL", "https://api.twilio.com")
TWILIO_TIMEOUT_SECONDS = float(env_str("TWILIO_TIMEOUT_SECONDS", "10"))
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@practice.example")
# Absolute links in messages (confirm/cancel) start with this.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# The dispatcher's batch, and how long a retried send waits (seconds, doubling).
MESSAGING_BATCH = env_int("MESSAGING_BATCH", 200)
MESSAGING_RETRY_BASE_SECONDS = env_int("MESSAGING_RETRY_BASE_SECONDS", 60)
MESSAGING_MAX_ATTEMPTS = env_int("MESSAGING_MAX_ATTEMPTS", 6)
# Provider calls in flight at once per worker process: on loopback a few keep the worker's
# CPU busy; against Twilio, a round trip of 100-200 ms, one worker sends about
# threads / round trip a second.
MESSAGING_SEND_THREADS = env_int("MESSAGING_SEND_THREADS", 16)
# A send 'sending' this long was cut off; an 'unknown' one absent at the provider this
# long never got there and is sent again.
MESSAGING_STUCK_SECONDS = env_int("MESSAGING_STUCK_SECONDS", 300)
MESSAGING_UNKNOWN_GRACE_SECONDS = env_int("MESSAGING_UNKNOWN_GRACE_SECONDS", 600)
# Marketing workflows: step runs taken a batch at a time, each batch in one transaction (a
# killed worker's runs are taken again at once); a practice's share that fails with an
# error is tried again this much later.
WORKFLOW_BATCH = env_int("WORKFLOW_BATCH", 5000)
WORKFLOW_RETRY_SECONDS = env_int("WORKFLOW_RETRY_SECONDS", 300)
# Threads that drain a backlog of more than one batch side by side (each batch is its own
# transaction; the database does most of the work, so they use the other cores).
WORKFLOW_WORKERS = env_int("WORKFLOW_WORKERS", 2)
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-messages": {
        "task": "messaging.tasks.dispatch_due_messages_task",
        "schedule": 15.0,
    },
    "reconcile-uncertain-messages": {
        "task": "messaging.tasks.reconcile_uncertain_task",
        "schedule": 120.0,
    },
    # CRM tasks that fell due: email their assignees (crm/reminders.py).
    "remind-due-tasks": {
        "task": "crm.tasks.remind_due_tasks_task",
        "schedule": 60.0,
    },
    # Marketing workflows: due steps (SKIP LOCKED), and enrolling whoever came to match.
    "run-due-workflow-steps": {
        "task": "marketing_workflows.tasks.workflow_steps_run_due_task",
        "schedule": 15.0,
    },
    "sweep-workflow-enrolments": {
        "task": "marketing_workflows.tasks.workflows_sweep_task",
        "schedule": 300.0,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The twilio client logs every request and response at INFO; WeasyPrint every PDF step.
    "loggers": {
        "twilio.http_client": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        # django-axes logs every login at INFO; failures and lockouts are WARNINGs.
        "axes": {"level": "WARNING"},
    },
}
