"""Production settings: HTTPS only, HSTS, secure cookies, a strict content security policy
and a Permissions-Policy (`manage.py check --deploy` clean)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.env import env_header

BASE_DIR = Path(settings.BASE_DIR)
LONG_SECRET = "x7!Kq2@pZ9#mV4$wR8%tY1^uI6&oP3*aS5(dF0)gH-jL_zX+cB=nM" * 2


def _production(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "DJANGO_", "API_DOCS"))
    }
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": LONG_SECRET,
            "DATABASE_URL": os.environ.get("DATABASE_URL", "sqlite:///var/check.sqlite3"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **extra,
        }
    )
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603  (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _settings(*names: str, **extra: str) -> list[str]:
    """The named settings as the app computes them from this environment."""
    code = "from django.conf import settings; " + "; ".join(
        f"print(settings.{name})" for name in names
    )
    result = _manage("shell", "--no-imports", "-c", code, env=_production(**extra))
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_check_deploy_passes_clean_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_turns_on_https_hsts_and_secure_cookies():
    assert _settings(
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
        "X_FRAME_OPTIONS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "API_DOCS_PUBLIC",
    ) == [
        "True",
        "31536000",
        "True",
        "True",
        "True",
        "True",
        "True",
        "DENY",
        "True",
        "same-origin",
        "False",
    ]


def test_development_keeps_plain_http_and_open_api_docs():
    names = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE")
    assert _settings(*names, "API_DOCS_PUBLIC", DEBUG="true") == ["False", "0", "False", "True"]


def test_hsts_preload_can_be_left_off_and_the_check_stays_clean():
    env = _production(SECURE_HSTS_PRELOAD="false")
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _settings("SECURE_HSTS_PRELOAD", SECURE_HSTS_PRELOAD="false") == ["False"]


def test_proxy_ssl_header_is_read_as_header_and_value(monkeypatch):
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https")
    assert env_header("SECURE_PROXY_SSL_HEADER") == ("HTTP_X_FORWARDED_PROTO", "https")
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", "")
    assert env_header("SECURE_PROXY_SSL_HEADER") is None


def test_behind_a_tls_proxy_the_forwarded_scheme_counts_as_https(client, settings, db):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    plain = client.get("/login/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/login/"
    proxied = client.get("/login/", headers={"x-forwarded-proto": "https"})
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_pages_carry_the_content_security_policy_and_permissions_policy(client, db):
    response = client.get("/login/")
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


INLINE = [
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "an on*= handler"),
    (re.compile(r"\sstyle\s*=", re.IGNORECASE), "a style= attribute"),
    (re.compile(r"<script(?![^>]*\s(src|nonce)=)[^>]*>", re.IGNORECASE), "an inline <script>"),
    (re.compile(r"<style(?![^>]*\snonce=)[^>]*>", re.IGNORECASE), "a <style> without nonce"),
]
# Rendered to PDF on the server, never served to a browser.
NOT_PAGES = {"reports/departure_pdf.html"}


@pytest.mark.parametrize(
    "template",
    sorted(
        name
        for name in (
            str(p.relative_to(BASE_DIR / "templates"))
            for p in (BASE_DIR / "templates").rglob("*.html")
        )
        if name not in NOT_PAGES
    ),
)
def test_templates_have_nothing_inline_the_policy_refuses(template):
    text = (BASE_DIR / "templates" / template).read_text()
    for pattern, what in INLINE:
        match = pattern.search(text)
        assert match is None, f"{template} has {what}: {match.group(0) if match else ''}"
