"""A fake Twilio REST API on 127.0.0.1 that answers as Twilio does (for tests and bench).

The destination number picks the answer, so a test chooses it by the client's mobile:
  ...0001 invalid number (400, 21211)      ...0002 opted out (400, 21610)
  ...0003 no balance (401, 20005)          ...0004 slow: the client times out
  ...0005 server error (503)               ...0006 not a mobile number (400, 21614)
  anything else: 201 Created, status "queued".
Every request is kept in `requests` for assertions. It answers many connections at once,
each kept alive (HTTP/1.1) as Twilio's are; `bench dispatch` measures its own capacity.
With `callbacks=True` the fake also calls the message's StatusCallback (sent, then
delivered), signed with the account's auth token as Twilio does.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

from twilio.request_validator import RequestValidator

ERRORS = {
    "0001": (400, 21211, "The 'To' number is not a valid phone number."),
    "0002": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "0003": (401, 20005, "Account not active"),
    "0005": (503, 20500, "Service unavailable"),
    "0006": (400, 21614, "'To' number is not a valid mobile number"),
}


class FakeTwilio:
    def __init__(self, slow_seconds: float = 3.0, callbacks: bool = False):
        self.requests: list[dict] = []
        self.messages: list[dict] = []  # what Twilio "has": the Messages list answers from it
        self.callbacks_sent: list[tuple[str, int]] = []
        self.slow_seconds = slow_seconds
        self.callbacks = callbacks
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's API does
            disable_nagle_algorithm = True  # headers and body go out at once

            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                fake.requests.append(
                    {
                        "path": self.path,
                        "form": form,
                        "auth": self.headers.get("Authorization", ""),
                        "connection": self.client_address,  # the same on a kept-alive one
                    }
                )
                to = form.get("To", "")
                if to.endswith("0004"):
                    time.sleep(fake.slow_seconds)  # then records it anyway, as Twilio would
                if to[-4:] in ERRORS:
                    status, code, text = ERRORS[to[-4:]]
                    return self._json(
                        status,
                        {
                            "code": code,
                            "message": text,
                            "status": status,
                            "more_info": f"https://www.twilio.com/docs/errors/{code}",
                        },
                    )
                sid = "SM" + uuid.uuid4().hex
                if fake.callbacks and form.get("StatusCallback"):
                    credentials = self.headers["Authorization"].split()[1]
                    token = base64.b64decode(credentials).decode().split(":", 1)[1]
                    threading.Thread(
                        target=fake.call_back,
                        args=(form["StatusCallback"], sid, token),
                        daemon=True,
                    ).start()
                record = {
                    "sid": sid,
                    "status": "queued",
                    "to": to,
                    "body": form.get("Body"),
                    "from": form.get("From"),
                    "num_segments": "1",
                    "error_code": None,
                    "account_sid": self.path.split("/")[3],
                }
                fake.messages.append(record)
                if to.endswith("0004"):
                    return None  # it was created, but the client gave up waiting
                return self._json(201, record)

            def do_GET(self):  # noqa: N802 - the Messages list, filtered by To
                query = parse_qs(self.path.split("?", 1)[1] if "?" in self.path else "")
                to = query.get("To", [""])[0]
                found = [m for m in fake.messages if not to or m["to"] == to]
                return self._json(
                    200,
                    {
                        "messages": found,
                        "next_page_uri": None,
                        "page": 0,
                        "page_size": 50,
                        "uri": self.path,
                    },
                )

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client that timed out on purpose closed the connection

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def call_back(self, url: str, sid: str, token: str) -> None:
        for status in ("sent", "delivered"):
            time.sleep(0.2)
            params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC"}
            signature = RequestValidator(token).compute_signature(url, params)
            request = urllib.request.Request(  # noqa: S310 - our own loopback server
                url,
                data=urlencode(params).encode(),
                headers={"X-Twilio-Signature": signature},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    self.callbacks_sent.append((status, response.status))
            except OSError as exc:  # HTTPError too: kept for the test to show
                self.callbacks_sent.append((status, repr(exc)))

    def __enter__(self) -> FakeTwilio:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
