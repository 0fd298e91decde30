"""A fake Twilio REST API on 127.0.0.1 that answers as Twilio does.

The destination number picks the answer, so a test chooses it by the client's mobile:
  ...0001 invalid number (400, 21211)      ...0002 opted out (400, 21610)
  ...0003 no balance (401, 20005)          ...0004 slow: the client times out
  ...0005 server error (503)               ...0006 not a mobile number (400, 21614)
  anything else: 201 Created, status "queued".
Every request is kept in `requests` for assertions.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ERRORS = {
    "0001": (400, 21211, "The 'To' number is not a valid phone number."),
    "0002": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "0003": (401, 20005, "Account not active"),
    "0005": (503, 20500, "Service unavailable"),
    "0006": (400, 21614, "'To' number is not a valid mobile number"),
}


class FakeTwilio:
    def __init__(self, slow_seconds: float = 3.0):
        self.requests: list[dict] = []
        self.slow_seconds = slow_seconds
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                fake.requests.append(
                    {"path": self.path, "form": form, "auth": self.headers.get("Authorization", "")}
                )
                to = form.get("To", "")
                if to.endswith("0004"):
                    time.sleep(fake.slow_seconds)
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
                return self._json(
                    201,
                    {
                        "sid": sid,
                        "status": "queued",
                        "to": to,
                        "body": form.get("Body"),
                        "from": form.get("From"),
                        "num_segments": "1",
                        "error_code": None,
                        "account_sid": self.path.split("/")[3],
                    },
                )

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeTwilio:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
