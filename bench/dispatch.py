"""Dispatch: N reminders falling due at once (default 10,000), sent through the real
twilio client to a fake Twilio on loopback (its own process) by one worker process."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time

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


def _serve(ready, port):
    from messaging.fake_twilio import FakeTwilio

    fake = FakeTwilio()
    port.value = fake.server.server_address[1]
    ready.set()
    fake.server.serve_forever()


def run(scale: int) -> dict[str, object]:
    practice = practice_for("dispatch")
    _make_due(practice, scale)
    ready, port = multiprocessing.Event(), multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=_serve, args=(ready, port), daemon=True)
    server.start()
    ready.wait(10)
    # Only for this run: the test suite runs benchmarks in its own process, and a provider
    # left pointing at a stopped fake would fail later tests' sends.
    twilio = override_settings(
        MESSAGING_PROVIDER="twilio", TWILIO_API_BASE_URL=f"http://127.0.0.1:{port.value}"
    )
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(1)
        return execute(sql, params, many, context)

    try:
        started = time.perf_counter()
        with twilio, connection.execute_wrapper(count):
            handled = dispatch_all_due()  # what the Celery task runs
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
    statuses = dict(for_practice(Message, practice).values_list("status").annotate(n=Count("id")))
    return {
        "messages": handled,
        "seconds": f"{seconds:.1f}",
        "messages_per_second": f"{handled / seconds:.0f}",
        "queries_per_message": f"{len(queries) / max(handled, 1):.2f}",
        "statuses": statuses,
    }
