"""Rate limits for the public booking pages and endpoints, per client address.

Built on django-ratelimit's counters in the default cache (Redis in production), so every
web process shares them. Rates are settings: `ONLINE_BOOKING_RATE_READ` for looking
(reasons, days, times) and `ONLINE_BOOKING_RATE_BOOK` for booking attempts.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

READ = "ONLINE_BOOKING_RATE_READ"
BOOK = "ONLINE_BOOKING_RATE_BOOK"


def over_limit(request: HttpRequest, kind: str) -> bool:
    """Count this request against the address's `kind` limit; True once it is exceeded."""
    return is_ratelimited(
        request,
        group=f"online-booking:{kind}",
        key="ip",
        rate=getattr(settings, kind),
        method=ALL,
        increment=True,
    )


def limited_page(kind: str):
    """Decorate a public page: past the limit it answers 429 with a short, polite page."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if over_limit(request, kind):
                return render(request, "online_booking/too_many.html", status=429)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
