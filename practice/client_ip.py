"""The client's address, for rate limits and anything else that counts per client.

Directly on the internet the address is the connection's (REMOTE_ADDR). Behind proxies
(a load balancer, nginx) each proxy appends the address it received the request from to
X-Forwarded-For, so with N trusted proxies the client is the N-th entry from the right:
everything further left was written by the client and can be anything. TRUSTED_PROXY_COUNT
says N (0: no proxy, use REMOTE_ADDR). A header that is missing, too short or not an address
falls back to REMOTE_ADDR: it never answers 500 and never lets a client pick its address.
"""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)

# Where no address can be read at all (a proxy on a Unix socket and no TRUSTED_PROXY_COUNT):
# every such request shares one counter rather than failing.
UNKNOWN = "0.0.0.0"  # noqa: S104  (a placeholder value, never bound to)


def _address(value: str) -> str | None:
    """A valid IP address from `value` ('1.2.3.4', '1.2.3.4:5678', '[2001:db8::1]:443')."""
    text = value.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's IP address as the trusted proxies saw it (see the module's docstring)."""
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count > 0:
        hops = (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")
        found = _address(hops[-count]) if len(hops) >= count else None
        if found is not None:
            return found
        logger.debug("X-Forwarded-For without %s usable hop(s); using REMOTE_ADDR", count)
    return remote or UNKNOWN
