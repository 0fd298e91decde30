"""Rate limits for the public booking pages and endpoints, per client address.

Built on django-ratelimit's counters in the default cache (Redis in production), so every
web process shares them. Rates are settings: `ONLINE_BOOKING_RATE_READ` for looking
(reasons, days, times) and `ONLINE_BOOKING_RATE_BOOK` for booking attempts. The address is
`practice.client_ip.client_ip` (RATELIMIT_IP_META_KEY): behind proxies, TRUSTED_PROXY_COUNT
says which X-Forwarded-For entry is the client's, so a made-up header changes nothing.
A refusal says when to come back (Retry-After, seconds).
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

READ = "ONLINE_BOOKING_RATE_READ"
BOOK = "ONLINE_BOOKING_RATE_BOOK"


def over_limit(request: HttpRequest, kind: str) -> int:
    """Count this request against the address's `kind` limit.

    0 while within it; past it, the seconds until the count starts again.
    """
    usage = get_usage(
        request,
        group=f"online-booking:{kind}",
        key="ip",
        rate=getattr(settings, kind),
        method=ALL,
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return 0
    return max(1, usage["time_left"])  # -1 when the cache failed: try again in a second


def too_many(request: HttpRequest, wait: int) -> HttpResponse:
    """The short, polite 429 page, saying when to try again."""
    response = render(request, "online_booking/too_many.html", status=429)
    response["Retry-After"] = str(wait)
    return response


def limited_page(kind: str):
    """Decorate a public page: past the limit it answers 429 (too_many)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            wait = over_limit(request, kind)
            if wait:
                return too_many(request, wait)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
