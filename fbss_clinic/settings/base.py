"""Settings shared by every environment. Everything that differs comes from the environment."""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("FBSS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "clinics.admin_site.OperatorsAdminConfig",  # Django's admin, for operators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "django_celery_beat",
    "phonenumber_field",
    # Ours, lowest first: imports flow clinics <- patients <- (treatments, scheduling, outcomes).
    "clinics",
    "patients",
    "treatments",
    "scheduling",
    "outcomes",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clinics.middleware.NoStoreMiddleware",
    "clinics.middleware.IdleTimeoutMiddleware",
    "clinics.middleware.ActiveClinicMiddleware",
    # Refuses an oversized body before anything below (CSRF, the view) reads it.
    "clinics.middleware.RequestSizeLimitMiddleware",
    "clinics.middleware.TwoFactorMiddleware",
    # Writes the access log after a successful page that showed a patient (clinics.access).
    "clinics.middleware.AccessLogMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # AxesMiddleware must be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fbss_clinic.urls"
WSGI_APPLICATION = "fbss_clinic.wsgi.application"
ASGI_APPLICATION = "fbss_clinic.asgi.application"

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
                "clinics.context_processors.active_clinic",
                "clinics.context_processors.session_limits",
            ],
        },
    },
]


def database_from_env(default: str) -> dict[str, Any]:
    """PostgreSQL (or SQLite for the demo) from DATABASE_URL; every request in one transaction."""
    url = os.environ.get("DATABASE_URL", default)
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Web server, worker and beat share one file: WAL, a busy timeout and IMMEDIATE
        # transactions keep them from failing with "database is locked".
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    else:
        # No JIT: a page's queries run in milliseconds, and PostgreSQL's JIT compiles any query
        # whose estimated cost is high (a clinic's aggregates over tens of thousands of scores)
        # for seconds before running it (EXPLAIN ANALYZE on the scale data: 6.9 s of JIT for a
        # query that runs in 0.3 s without it).
        config.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    config["ATOMIC_REQUESTS"] = True
    return config


DATABASES = {"default": database_from_env(f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # AxesStandaloneBackend must be first so a locked-out user is refused before the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after FBSS_IDLE_TIMEOUT_SECONDS without a request (clinics.middleware, which can
# tell the person why) and when the browser closes. The stored session outlives the idle limit
# only so that the sign-in page can say "signed out after inactivity"; it is useless after it.
IDLE_TIMEOUT_SECONDS = int(os.environ.get("FBSS_IDLE_TIMEOUT_SECONDS", 15 * 60))
# However active, a session ends FBSS_SESSION_MAX_AGE_SECONDS after sign-in (clinics.middleware).
SESSION_MAX_AGE_SECONDS = int(os.environ.get("FBSS_SESSION_MAX_AGE_SECONDS", 12 * 60 * 60))
SESSION_COOKIE_AGE = SESSION_MAX_AGE_SECONDS
# The session row is written when it changes, not on every request; the idle clock above is
# refreshed at most every 15 s (clinics.middleware), and the absolute limit needs no refresh.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# django-axes: lock the username (from any address) after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("FBSS_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Two-factor sign-in (django-otp, TOTP and single-use backup codes). Which roles must use it is
# each clinic's setting (Clinic.two_factor_roles); wrong codes count towards the same lockout.
OTP_TOTP_ISSUER = os.environ.get("FBSS_TOTP_ISSUER", "FBSS clinic")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploaded reports are private: MEDIA has no URL and is served only through the access gate.
    "default": {
        "BACKEND": "clinics.storage.PrivateStorage",
        "OPTIONS": {"location": str(VAR_DIR / "private-media"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# DATA_UPLOAD_MAX_MEMORY_SIZE leaves files out: a whole request body larger than this is refused
# with 413 before it is read (clinics.middleware). Default: 5 reports of 10 MB and the form.
REQUEST_MAX_BYTES = int(os.environ.get("FBSS_REQUEST_MAX_BYTES", 55 * 1024 * 1024))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SIMPLE_HISTORY_REVERT_DISABLED = True

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "FBSS clinic <no-reply@localhost>")

# Celery: JSON only, bounded tasks, the database beat scheduler.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "heartbeat": {"task": "clinics.heartbeat", "schedule": 60.0},
    # The outbox: every minute, send what is due (notifications/dispatch.py).
    "notifications-dispatch-due": {"task": "notifications.dispatch_due", "schedule": 60.0},
    # Surveys: open, invite, remind and expire invitations (outcomes/surveys.py).
    "outcomes-survey-tick": {"task": "outcomes.survey_tick", "schedule": 300.0},
}

# The shipped ODI has placeholder statements: fine for the demo and tests, never for patients.
FBSS_SURVEYS_ALLOW_PLACEHOLDER_TEXT = os.environ.get("FBSS_SURVEYS_ALLOW_PLACEHOLDER_TEXT", "0") == "1"

# The outbox (notifications/). Attempts before a message fails; rows per claim; how long a worker
# holds a claimed row before another may send it (longer than CELERY_TASK_TIME_LIMIT); first retry.
FBSS_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("FBSS_OUTBOX_MAX_ATTEMPTS", 5))
FBSS_OUTBOX_BATCH_SIZE = int(os.environ.get("FBSS_OUTBOX_BATCH_SIZE", 100))
FBSS_OUTBOX_SMTP_CONNECTIONS = int(os.environ.get("FBSS_OUTBOX_SMTP_CONNECTIONS", 8))
FBSS_OUTBOX_LEASE_SECONDS = float(os.environ.get("FBSS_OUTBOX_LEASE_SECONDS", 300))
FBSS_OUTBOX_RETRY_BASE_SECONDS = float(os.environ.get("FBSS_OUTBOX_RETRY_BASE_SECONDS", 60))
FBSS_OUTBOX_DISPATCH_BUDGET_SECONDS = float(os.environ.get("FBSS_OUTBOX_DISPATCH_BUDGET_SECONDS", 50))

# SMS: a backend class like Django's email backends (notifications/sms.py). The file backend
# writes to FBSS_SMS_FILE_PATH; the HTTP one posts JSON to a provider.
FBSS_SMS_BACKEND = os.environ.get("FBSS_SMS_BACKEND", "notifications.sms.FileBackend")
FBSS_SMS_FILE_PATH = os.environ.get("FBSS_SMS_FILE_PATH", str(VAR_DIR / "sms"))
FBSS_SMS_HTTP_URL = os.environ.get("FBSS_SMS_HTTP_URL", "")
FBSS_SMS_HTTP_TOKEN = os.environ.get("FBSS_SMS_HTTP_TOKEN", "")
FBSS_SMS_FROM = os.environ.get("FBSS_SMS_FROM", "")
FBSS_SMS_DEFAULT_REGION = os.environ.get("FBSS_SMS_DEFAULT_REGION", "")
# Where patients open their links (reminder e-mails and SMS): scheme, host and port, no trailing slash.
FBSS_PUBLIC_URL = os.environ.get("FBSS_PUBLIC_URL", "http://localhost:8000")

# Logs carry ids, never patient data; see clinics/logging.py for the filter that enforces it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_phi": {"()": "clinics.logging.ScrubQueryStringFilter"},
        "no_link_tokens": {"()": "notifications.logging.ScrubLinkTokenFilter"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["no_phi", "no_link_tokens"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("FBSS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Replaces Django's default unfiltered console handler on "django" (it printed "Not Found:
        # /a/<token>/" and "Gone: ..." with the raw token in dev).
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # runserver's request lines carry paths (patient-link tokens): through the filters too.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Lockout is by username, not by address: a clinic's front desks often share one outgoing address,
# and five typos at one desk must not lock out the whole clinic.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Phone numbers are stored in E.164 (django-phonenumber-field); numbers typed without a country
# code are read in this region (ISO 3166 code).
PHONENUMBER_DEFAULT_REGION = os.environ.get("FBSS_PHONE_REGION", "US")
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "E164"
