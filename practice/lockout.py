"""Brute-force protection: django-axes counts failures; this module words the refusal.

django-axes (settings: AXES_*) records every failed authentication through Django's
`user_login_failed` signal and, once a (username, address) pair reaches the limit, flags
the request (`request.axes_locked_out`) and refuses further tries until the cool-off ends.
The staff and admin login forms turn that flag into a clear, translated form error; the
API's Basic auth into a 429 with the same reason (practice/api/authentication.py).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext

LOCKED_STATUS = 429


def lockout_minutes() -> int:
    """The cool-off of a locked (username, address) pair, in whole minutes (at least 1)."""
    cool_off: dt.timedelta = settings.AXES_COOLOFF_TIME
    return max(1, round(cool_off.total_seconds() / 60))


def lockout_message() -> str:
    minutes = lockout_minutes()
    return ngettext(
        "Too many failed logins: this account is locked for %(minutes)d minute on this "
        "device. Try again after that, or ask your practice's director to unlock it.",
        "Too many failed logins: this account is locked for %(minutes)d minutes on this "
        "device. Try again after that, or ask your practice's director to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def is_locked_out(request) -> bool:
    """Did django-axes refuse (or just lock) this request's login? Works on DRF requests too."""
    return bool(getattr(request, "axes_locked_out", False))


class LockoutAwareLoginMixin:
    """A login form that says 'locked for N minutes' instead of 'wrong password' when it is."""

    request: HttpRequest | None

    def clean(self):
        try:
            return super().clean()  # type: ignore[misc]
        except forms.ValidationError:
            if is_locked_out(self.request):
                raise forms.ValidationError(lockout_message(), code="locked_out") from None
            raise


class StaffLoginForm(LockoutAwareLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(LockoutAwareLoginMixin, AdminAuthenticationForm):
    pass


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: keep the login page (it already shows the form error), as 429
    saying when to try again (Retry-After, the cool-off in seconds)."""
    if original_response is None:
        response = HttpResponse(lockout_message(), status=LOCKED_STATUS, content_type="text/plain")
    else:
        response = original_response
        response.status_code = LOCKED_STATUS
    response["Retry-After"] = str(lockout_minutes() * 60)
    return response
