"""Messages on the appointment in a real browser: the booking form warns as soon as a client
whose SMS cannot work is picked, and the panel sends a failed SMS by email with one click.
Screenshots at desktop and phone width go to screenshots/ (not kept in git)."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from appointments.models import WorkingHours
from appointments.services import appointment_book, appointment_move
from messaging.dispatch import dispatch_due_messages
from messaging.models import Message, MessagingSettings, SmsGateway
from messaging.services import templates_install_defaults
from patients.models import Client
from practice.tenancy import practice_scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "screenshots"


@pytest.fixture
def messaging(practice_a):
    MessagingSettings.objects.unscoped().create(
        practice=practice_a, confirmation_enabled=True, reminder_enabled=True
    )
    templates_install_defaults(practice_a)
    SmsGateway.objects.unscoped().create(
        practice=practice_a,
        account_sid="AC" + "1" * 32,
        auth_token="secret-token-1234",
        sender="+3197010000000",
        credit_segments=100,
    )


def log_in(page, live_server):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", "pw")
    page.click("button.primary")
    page.wait_for_url("**/calendar/**")


def shoot(page, name, focus):
    """The viewport (the panel scrolls on its own) with `focus` scrolled into it."""
    SHOTS.mkdir(exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.locator(focus).scroll_into_view_if_needed()
        page.wait_for_timeout(150)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def test_picking_a_client_with_a_landline_warns_at_once(
    live_server, page, receptionist, messaging, location_a, dentist, ctype_a, patient_a
):
    Client.objects.unscoped().filter(pk=patient_a.client_id).update(
        mobile_is_landline=True, confirmation_channel="sms", reminder_channel="sms"
    )
    day = timezone.localdate(timezone=location_a.tz) + dt.timedelta(days=1)
    WorkingHours.objects.unscoped().create(
        practice=location_a.practice,
        practitioner=dentist,
        location=location_a,
        weekday=day.weekday(),
        start_time=dt.time(8),
        end_time=dt.time(17),
    )
    log_in(page, live_server)
    # a click on a free time opens the booking form in the panel, no patient chosen yet
    page.goto(f"{live_server.url}/calendar/?date={day.isoformat()}")
    page.locator(f".cal-col[data-practitioner='{dentist.pk}']").click(position={"x": 40, "y": 365})
    page.wait_for_selector("#panel form")
    assert page.locator("#channel-warning").inner_text() == ""
    page.fill("#patient-q", "0612345")
    page.click(f"[data-pick-patient='{patient_a.pk}']")
    warning = page.locator("#channel-warning .channel-warning")
    warning.wait_for()
    text = warning.inner_text()
    assert "The confirmation and reminder by SMS will fail:" in text
    assert "landline" in text
    assert "Email reaches the client" in text
    shoot(page, "booking-form-channel-warning", "#channel-warning")

    # choosing email for both takes the warning away
    page.select_option("#id_confirmation_channel", "email")
    page.wait_for_selector("text=The reminder by SMS will fail:")
    page.select_option("#id_reminder_channel", "email")
    page.locator("#channel-warning .channel-warning").wait_for(state="detached")


def test_the_panel_tells_the_two_confirmations_apart_and_sends_a_failed_sms_by_email(
    live_server, page, receptionist, messaging, practice_a, location_a, dentist, ctype_a, patient_a
):
    Client.objects.unscoped().filter(pk=patient_a.client_id).update(
        confirmation_channel="sms", reminder_channel="email"
    )
    patient_a.client.refresh_from_db()  # booking copies the client's choices
    day = timezone.localdate(timezone=location_a.tz) + dt.timedelta(days=3)
    start = dt.datetime.combine(day, dt.time(10), tzinfo=location_a.tz)
    with practice_scope(practice_a):
        appointment = appointment_book(
            practice_a,
            actor=None,
            patient=patient_a,
            practitioner=dentist,
            location=location_a,
            consultation_type=ctype_a,
            starts_at=start,
        )
        dispatch_due_messages()
        # the mobile turns out to be a landline before the move's confirmation goes
        Client.objects.unscoped().filter(pk=patient_a.client_id).update(mobile="")
        appointment_move(
            practice_a,
            actor=None,
            appointment=appointment,
            starts_at=start + dt.timedelta(minutes=90),
            practitioner=dentist,
        )
        dispatch_due_messages()
    failed = Message.objects.unscoped().get(kind="confirmation", status="failed")

    log_in(page, live_server)
    page.goto(f"{live_server.url}/calendar/?date={day.isoformat()}")
    page.click(f"[data-appointment='{appointment.pk}']")
    messages = page.locator("#appointment-messages")
    messages.locator("text=Send by email instead").wait_for()
    text = messages.inner_text()
    assert "10:00" in text
    assert "11:30" in text
    assert "earlier time" in text
    shoot(page, "appointment-panel-messages", "#appointment-messages")

    messages.locator("text=Send by email instead").click()
    page.wait_for_selector("text=Sent again by email.")
    assert Message.objects.unscoped().filter(kind="confirmation", channel="email").count() == 1
    assert page.locator("text=Send by email instead").count() == 0
    shoot(page, "appointment-panel-messages-sent-by-email", "#appointment-messages")
    assert failed.pk
