"""SMS through Twilio with the real `twilio` client (tests point it at a fake on loopback)."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from . import errors
from .providers import PermanentFailure, Sent, TemporaryFailure, UncertainFailure

# Twilio error codes that mean: do not retry, and why (kept with the reasons they name).
REFUSALS = errors.TWILIO_REFUSALS

STATUSES = {
    "accepted": "queued",
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
}


class HttpClient(TwilioHttpClient):
    """Twilio's HTTP client (one requests Session, keep-alive), without the work it did on
    every request that never changes the answer:

    - the environment's proxy and CA bundle settings (HTTPS_PROXY, NO_PROXY,
      REQUESTS_CA_BUNDLE) are read once for the API's address, by requests itself, not on
      every request (a quarter of the client's CPU time per message);
    - the request and response are formatted for the log only when INFO is logged.
    """

    def __init__(self, base_url: str, **kwargs) -> None:
        super().__init__(**kwargs)
        session = self.session
        found = session.merge_environment_settings(base_url, {}, None, None, None)
        session.proxies.update(found["proxies"])
        session.verify = found["verify"]
        session.trust_env = False

    def log_request(self, kwargs) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            super().log_request(kwargs)

    def log_response(self, status_code, response) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            super().log_response(status_code, response)


def twilio_client(gateway) -> Client:
    http_client = HttpClient(settings.TWILIO_API_BASE_URL, timeout=settings.TWILIO_TIMEOUT_SECONDS)
    if gateway.api_key_sid:
        client = Client(
            gateway.api_key_sid,
            gateway.api_key_secret,
            account_sid=gateway.account_sid,
            http_client=http_client,
        )
    else:
        client = Client(gateway.account_sid, gateway.auth_token, http_client=http_client)
    client.api.base_url = settings.TWILIO_API_BASE_URL
    return client


class TwilioSmsProvider:
    """Kept for a run of batches: a client (and its keep-alive HTTP connection) per gateway
    and per thread. One client is not shared between threads: its HTTP client keeps the
    last response on itself and hands that back, so two threads could swap answers."""

    def __init__(self) -> None:
        self._local = threading.local()

    def client_for(self, gateway) -> Client:
        clients = self._local.__dict__.setdefault("clients", {})
        key = (gateway.account_sid, gateway.auth_token, gateway.api_key_sid, gateway.api_key_secret)
        if key not in clients:
            clients[key] = twilio_client(gateway)
        return clients[key]

    def send_sms(self, *, gateway, message, status_callback: str) -> Sent:
        sender = (
            {"messaging_service_sid": gateway.sender}
            if gateway.sender.startswith("MG")
            else {"from_": gateway.sender}
        )
        try:
            created = self.client_for(gateway).messages.create(
                to=message.recipient,
                body=message.body,
                status_callback=status_callback,
                **sender,
            )
        except TwilioRestException as exc:
            code = str(exc.code or "")
            if exc.status >= 500 or exc.status == 429:
                raise TemporaryFailure(f"Twilio {exc.status}") from exc
            raise PermanentFailure(REFUSALS.get(code, errors.PROVIDER_ERROR), code) from exc
        except requests.exceptions.ReadTimeout as exc:
            # The request reached Twilio; it may have sent. Reconcile, never resend blindly.
            raise UncertainFailure(str(exc)) from exc
        except requests.exceptions.ConnectionError as exc:
            raise TemporaryFailure(f"Twilio unreachable: {exc}") from exc
        return Sent(provider_id=created.sid, status=STATUSES.get(created.status, "queued"))

    def find_sent(self, *, gateway, message) -> Sent | None:
        """Twilio's own record of this message, if it got there (for 'unknown' sends)."""
        since = message.updated_at - dt.timedelta(minutes=10)
        try:
            candidates = self.client_for(gateway).messages.list(
                to=message.recipient, date_sent_after=since, limit=50
            )
        except (TwilioRestException, requests.exceptions.RequestException) as exc:
            raise TemporaryFailure(str(exc)) from exc
        for candidate in candidates:
            if candidate.body == message.body:
                return Sent(
                    provider_id=candidate.sid, status=STATUSES.get(candidate.status, "queued")
                )
        return None
