"""'Mark patient notified' on the appointment panel: an audit row `appointment.notified`
with its time, shown as 'Notified by X at HH:MM' (the contact history's purpose rule reads
it: tests/crm/test_purpose.py)."""

import datetime as dt

import pytest
import time_machine

from appointments.models import Appointment
from practice.models import AuditLog

pytestmark = pytest.mark.django_db


def _url(appointment) -> str:
    return f"/appointments/{appointment.pk}/notified/"


def test_marking_the_patient_notified_writes_the_audit_row_and_shows_who_and_when(
    client, receptionist, appointment_a, django_capture_on_commit_callbacks
):
    # 08:42 UTC is 09:42 in Amsterdam (winter)
    at = dt.datetime(2030, 1, 15, 8, 42, tzinfo=dt.UTC)
    with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
        client.force_login(receptionist.user)
        response = client.post(_url(appointment_a), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    row = AuditLog.objects.unscoped().get(action="appointment.notified")
    assert (row.object_id, row.actor_id, row.at) == (appointment_a.pk, receptionist.user_id, at)
    page = response.content.decode()
    assert "Notified by Rita Reception at 09:42" in page
    # and the panel shows it when opened again
    with time_machine.travel(at + dt.timedelta(minutes=1), tick=False):
        panel = client.get(f"/appointments/{appointment_a.pk}/", HTTP_HX_REQUEST="true")
    assert "Notified by Rita Reception at 09:42" in panel.content.decode()


def test_the_panel_offers_mark_patient_notified(rita_client, appointment_a):
    page = rita_client.get(f"/appointments/{appointment_a.pk}/").content.decode()
    assert "Mark patient notified" in page
    assert "Notified by" not in page


def test_without_htmx_marking_notified_goes_back_to_the_appointment(rita_client, appointment_a):
    response = rita_client.post(_url(appointment_a))
    assert response.status_code == 302
    assert response.url == f"/appointments/{appointment_a.pk}/"


def test_a_cancelled_appointment_cannot_be_marked_notified(rita_client, appointment_a):
    Appointment.objects.unscoped().filter(pk=appointment_a.pk).update(status="cancelled")
    response = rita_client.post(_url(appointment_a), HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert not AuditLog.objects.unscoped().filter(action="appointment.notified").exists()


def test_another_practices_appointment_answers_404(rita_client, appointment_b):
    assert rita_client.post(_url(appointment_b)).status_code == 404
    assert not AuditLog.objects.unscoped().filter(action="appointment.notified").exists()


def test_marking_notified_takes_post_only(rita_client, appointment_a):
    assert rita_client.get(_url(appointment_a)).status_code == 405
