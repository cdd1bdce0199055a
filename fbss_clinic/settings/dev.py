"""The demo on an embedded default: SQLite, the filesystem Celery transport, email to files.

Set DATABASE_URL and REDIS_URL to run the same thing on PostgreSQL and Redis.
"""

from .base import *  # noqa: F403
from .base import REDIS_URL, STORAGES, VAR_DIR, env_list

DEBUG = True
SECRET_KEY = "dev-only-not-secret-7c1f0b8e2d9a4f6b8c3e5a1d0f2b4c6e"  # noqa: S105
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"

if not REDIS_URL:
    _celery_dir = VAR_DIR / "celery"
    for _sub in ("out", "processed", "control"):
        (_celery_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "out"),
        "data_folder_out": str(_celery_dir / "out"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }

VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "mail").mkdir(exist_ok=True)
(VAR_DIR / "sms").mkdir(exist_ok=True)

# Serve static files straight from the apps' folders; collectstatic is for production only.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# The shipped ODI (placeholder statements) may be asked in the demo and the tests.
FBSS_SURVEYS_ALLOW_PLACEHOLDER_TEXT = True
