"""Test settings: the environment's database (PostgreSQL in CI), fast hashing."""

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEBUG = False  # and so the production security settings, but:
# the test client and the live server speak plain HTTP.
SECURE_SSL_REDIRECT = False
LANGUAGE_CODE = "en"
# Far from UTC and not a whole hour off it (+05:45), with no daylight saving: a test that
# only passes in UTC, or that reads a practice's time in the server's zone, fails here.
# The practices' own zones (Amsterdam, Helsinki) are activated as the middleware does.
TIME_ZONE = "Asia/Kathmandu"
# Tasks run in-process in tests; the end-to-end test with a real worker overrides this.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Rate-limit counters per test process, cleared before each test (tests/conftest.py).
CACHES = {**CACHES, "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}  # noqa: F405
RATELIMIT_USE_CACHE = "ratelimit"
# seed_demo's month of fake calls is ~2,000 API posts per practice: the demo-seeding tests
# take two days of it (tests/crm/test_fake_telephony.py covers the generator itself).
CRM_DEMO_DAYS = 2
