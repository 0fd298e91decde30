"""Dispatch: N reminders falling due at once (default 10,000), sent through the real
twilio client to a fake Twilio on loopback (its own process) by one worker process."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import http.client
import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from appointments.models import Appointment
from messaging.dispatch import dispatch_all_due
from messaging.models import Message, SmsGateway
from patients.models import Client
from practice import demo
from practice.scoping import for_practice

from .common import dataset, practice_for

DEFAULT_SCALE = 10_000


def build(scale: int) -> bool:
    return dataset(
        "dispatch",
        scale,
        lambda spec: demo.build_practice(
            spec,
            clients=min(scale, 5_000),
            appointments=scale,
            past_days=0,
            future_days=40,
            seed=13,
        ),
    )


def _make_due(practice, scale: int) -> None:
    """Fresh reminders, one per future appointment, all due now (SMS, with credit)."""
    for_practice(Message, practice).delete()
    SmsGateway.objects.unscoped().filter(practice=practice).update(credit_segments=10 * scale)
    for_practice(Client, practice).filter(mobile="").update(mobile="+31612345678")
    for_practice(Client, practice).update(sms_opted_out=False)
    # Every run makes the link codes afresh, as the first run on a new dataset does.
    for_practice(Appointment, practice).update(link_code=None)
    now = timezone.now()
    rows = [
        Message(
            practice=practice,
            appointment_id=a_id,
            client_id=c_id,
            kind="reminder",
            channel="sms",
            recipient="+31612345678",
            due_at=now - dt.timedelta(seconds=1),
            idempotency_key=f"bench:{a_id}",
        )
        for a_id, c_id in for_practice(Appointment, practice)
        .filter(starts_at__gt=now)
        .values_list("id", "client_id")[:scale]
    ]
    Message.objects.unscoped().bulk_create(rows, batch_size=5_000)
    _tidy()


def _tidy() -> None:
    """What autovacuum does between runs (a shared test server may have it off): each run
    leaves tens of thousands of dead rows behind, which would slow the next run's claims,
    and statistics the planner would pick poor plans from."""
    if connection.vendor != "postgresql":
        return
    # VACUUM cannot run inside a transaction (the test suite's); ANALYZE can.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} messaging_message, appointments_appointment, patients_client")


@contextlib.contextmanager
def _fake_twilio() -> Iterator[tuple[str, Callable[[], float]]]:
    """A fake Twilio in its own process: (its URL, the CPU seconds it has used so far)."""
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    port, cpu = multiprocessing.Value("i", 0), multiprocessing.Value("d", 0.0)
    server = multiprocessing.Process(target=_serve, args=(ready, stop, port, cpu), daemon=True)
    server.start()
    ready.wait(10)
    try:
        yield f"http://127.0.0.1:{port.value}", lambda: cpu.value
    finally:
        stop.set()
        server.join(5)
        if server.is_alive():
            server.terminate()


def _serve(ready, stop, port, cpu) -> None:
    from messaging.fake_twilio import FakeTwilio

    with FakeTwilio() as fake:
        port.value = fake.server.server_address[1]
        started = time.process_time()
        ready.set()
        while not stop.wait(0.2):
            cpu.value = time.process_time() - started
    cpu.value = time.process_time() - started


def run(scale: int) -> dict[str, object]:
    practice = practice_for("dispatch")
    _make_due(practice, scale)
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(1)
        return execute(sql, params, many, context)

    with _fake_twilio() as (url, fake_cpu):
        # Only for this run: the test suite runs benchmarks in its own process, and a
        # provider left pointing at a stopped fake would fail later tests' sends.
        twilio = override_settings(MESSAGING_PROVIDER="twilio", TWILIO_API_BASE_URL=url)
        started, cpu_started = time.perf_counter(), time.process_time()
        with twilio, connection.execute_wrapper(count):
            handled = dispatch_all_due()  # what the Celery task runs
        seconds = time.perf_counter() - started
        worker_cpu = time.process_time() - cpu_started
        time.sleep(0.3)  # the fake reports its CPU time every 0.2 s
        fake_busy = fake_cpu()
    with _fake_twilio() as (url, _cpu):
        capacity = fake_capacity(url, requests=min(scale, 4_000))
    statuses = dict(for_practice(Message, practice).values_list("status").annotate(n=Count("id")))
    return {
        "messages": handled,
        "seconds": f"{seconds:.1f}",
        "messages_per_second": f"{handled / seconds:.0f}",
        "queries_per_message": f"{len(queries) / max(handled, 1):.2f}",
        # Of one core: how busy the worker process (all its threads) and the fake were.
        "worker_cpu_percent": f"{100 * worker_cpu / seconds:.0f}",
        "fake_cpu_percent": f"{100 * fake_busy / seconds:.0f}",
        "fake_requests_per_second": f"{capacity:.0f}",
        "statuses": statuses,
    }


def fake_capacity(url: str, *, requests: int, connections: int = 8) -> float:
    """Requests a second the fake answers on its own: plain keep-alive POSTs like the twilio
    client's, from a few threads (so a lower bound: the load shares this process's GIL)."""
    host, port = url.removeprefix("http://").split(":")
    account = "AC" + "1" * 32
    path = f"/2010-04-01/Accounts/{account}/Messages.json"
    body = urlencode(
        {
            "To": "+31612345678",
            "From": "+3197010000000",
            "Body": "Reminder: your appointment tomorrow at 09:30. https://example.com/a/abc",
            "StatusCallback": "https://example.com/messaging/twilio/status/?m=1",
        }
    )
    headers = {
        "Authorization": "Basic " + base64.b64encode(f"{account}:token".encode()).decode(),
        "Content-Type": "application/x-www-form-urlencoded",
    }

    def post(count: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        for _ in range(count):
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            assert response.status == 201, response.status  # noqa: S101 - a bench's check
        conn.close()

    share = max(requests // connections, 1)
    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(post, [share] * connections))
    return share * connections / (time.perf_counter() - started)
