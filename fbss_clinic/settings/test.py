"""The test suite: PostgreSQL and Redis from the environment (scripts/test.sh starts them)."""

import os

from .base import *  # noqa: F403
from .base import STORAGES, VAR_DIR

SECRET_KEY = "test-only-not-secret-2b7e151628aed2a6abf7158809cf4f3c"  # noqa: S105
ALLOWED_HOSTS = ["*"]
DEBUG = False

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests about SMTP delivery start real workers with EMAIL_BACKEND set to the SMTP backend.
EMAIL_BACKEND = os.environ.get("FBSS_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
FBSS_SMS_FILE_PATH = os.environ.get("FBSS_SMS_FILE_PATH", str(VAR_DIR / "test-sms"))
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "clinics.storage.PrivateStorage",
        "OPTIONS": {"location": str(VAR_DIR / "test-media"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Unit tests run tasks in-process; tests about Celery start a real worker against REDIS_URL.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("FBSS_CELERY_EAGER", "1") == "1"
CELERY_TASK_EAGER_PROPAGATES = True
AXES_FAILURE_LIMIT = 5

# Serve static files straight from the apps' folders; collectstatic is for production only.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = VAR_DIR / "test-static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# The shipped ODI (placeholder statements) may be asked in the demo and the tests.
FBSS_SURVEYS_ALLOW_PLACEHOLDER_TEXT = True
