"""End to end with a real Celery worker on Redis and PostgreSQL:
book → worker sends the confirmation through the real twilio client to the fake Twilio →
Twilio's signed status callbacks reach our server → the status shows on the appointment."""

import contextlib
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from appointments.services import appointment_book
from config.celery import app as celery_app
from messaging.fake_twilio import FakeTwilio
from messaging.models import Message

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (set REDIS_URL)"),
]


@pytest.fixture
def worker(live_server, on_postgres):
    """A real `celery worker` process on this test database, sending SMS via the fake."""
    with FakeTwilio(callbacks=True) as fake:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "MESSAGING_PROVIDER": "twilio",
            "TWILIO_API_BASE_URL": fake.url,
            "PUBLIC_BASE_URL": live_server.url,
        }
        celery_app.control.purge()
        process = subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "WARNING",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            yield fake
        finally:
            process.terminate()
            output = process.communicate(timeout=20)[0].decode(errors="replace")
            if process.returncode not in (0, -15):
                print(output)  # noqa: T201 - shown only when the worker failed


@contextlib.contextmanager
def tasks_to_redis():
    """Tasks go to Redis for the worker instead of running in this process."""
    assert celery_app.conf.task_always_eager  # reading first loads Celery's lazy config
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = True


def test_booking_to_delivered_status_through_a_real_worker(
    worker,
    client,
    receptionist,
    messaging_on,
    wants_both,
    practice_a,
    dentist,
    location_a,
    ctype_a,
):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)

    # when: reception books for a client who wants SMS confirmations
    with tasks_to_redis():
        appointment = appointment_book(
            practice_a,
            actor=receptionist.user,
            patient=wants_both,
            practitioner=dentist,
            location=location_a,
            consultation_type=ctype_a,
            starts_at=start,
            confirmation_channel="sms",
            reminder_channel="",
        )

    # then: the worker sends it and Twilio's callbacks bring it to "delivered"
    deadline = time.monotonic() + 40
    message = None
    while time.monotonic() < deadline:
        message = Message.objects.unscoped().filter(appointment=appointment).first()
        if message and message.status == "delivered":
            break
        time.sleep(0.3)
    assert message is not None, "the booking scheduled no message"
    assert message.status == "delivered", (
        message.status,
        message.provider_id,
        message.error,
        worker.callbacks_sent,
    )
    assert message.provider_id.startswith("SM")
    assert [r["form"]["To"] for r in worker.requests] == [wants_both.client.mobile]
    assert ("delivered", 200) in worker.callbacks_sent

    client.force_login(receptionist.user)
    panel = client.get(f"/appointments/{appointment.pk}/messages/").content.decode()
    assert "Delivered" in panel
    assert django_settings.CELERY_BROKER_URL.startswith("redis://")
