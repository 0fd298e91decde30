"""Basic auth that answers a locked-out login with 429 and the reason, not 'invalid password'."""

from __future__ import annotations

from rest_framework import exceptions, status
from rest_framework.authentication import BasicAuthentication

from ..lockout import is_locked_out, lockout_message, lockout_minutes


class LoginLocked(exceptions.APIException):
    """429 with a Retry-After header: django-axes locked this (username, address) pair."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "login_locked"

    def __init__(self) -> None:
        super().__init__(lockout_message())
        self.wait = lockout_minutes() * 60  # DRF sends it as Retry-After


class LockoutAwareBasicAuthentication(BasicAuthentication):
    """DRF's Basic auth; django-axes counts its failures like the login pages' (same signal)."""

    def authenticate_credentials(self, userid, password, request=None):
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            # django-axes flags the DRF request it was handed when it refuses or locks.
            if is_locked_out(request):
                raise LoginLocked() from None
            raise
