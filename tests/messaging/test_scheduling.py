import datetime as dt
import io

import pytest
from django.utils import timezone

from appointments.services import appointment_book, appointment_cancel, appointment_move
from messaging.dispatch import claim_due_messages, dispatch_due_messages
from messaging.models import Message, MessageTemplate
from messaging.services import messages_schedule_for_appointment, templates_install_defaults

from .. import factories as f


@pytest.fixture
def book(practice_a, dentist, location_a, ctype_a, django_capture_on_commit_callbacks):
    def _book(patient, starts_at, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return appointment_book(
                practice_a,
                actor=None,
                patient=patient,
                practitioner=dentist,
                location=location_a,
                consultation_type=ctype_a,
                starts_at=starts_at,
                **kwargs,
            )

    return _book


def in_days(location, days, hour=10):
    day = timezone.localdate(timezone=location.tz) + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=location.tz)


def messages(appointment):
    return {
        (m.kind, m.channel): m
        for m in Message.objects.unscoped()
        .filter(appointment=appointment)
        .exclude(status="cancelled")
    }


def test_default_templates_ship_for_every_kind_channel_and_language(practice_a):
    MessageTemplate.objects.unscoped().filter(practice=practice_a).delete()
    assert (
        templates_install_defaults(practice_a) == 7 * 2 * 5
    )  # kinds (confirmation, reminder, booking link, waitlist offer/gone, cancellation and
    # cancellation confirmed) × channels × languages
    assert templates_install_defaults(practice_a) == 0  # idempotent
    languages = set(MessageTemplate.objects.unscoped().values_list("language", flat=True))
    assert languages == {"en", "nl", "it", "ru", "fi"}


def test_booking_sends_the_confirmations_the_client_wants(
    messaging_on, wants_both, book, location_a
):
    appointment = book(wants_both, in_days(location_a, 3))
    sent = messages(appointment)
    assert sent[("confirmation", "sms")].status == "sent"
    assert sent[("confirmation", "email")].status == "sent"
    assert sent[("confirmation", "sms")].recipient == wants_both.client.mobile
    assert "10:00" in sent[("confirmation", "sms")].body
    assert sent[("reminder", "sms")].status == "scheduled"


def test_staff_can_change_the_channels_per_appointment(messaging_on, wants_both, book, location_a):
    appointment = book(
        wants_both, in_days(location_a, 3), confirmation_channel="email", reminder_channel=""
    )
    assert set(messages(appointment)) == {("confirmation", "email")}


def test_a_client_who_wants_nothing_gets_nothing(messaging_on, patient_a, book, location_a):
    assert messages(book(patient_a, in_days(location_a, 3))) == {}


def test_switched_off_service_sends_nothing(messaging_on, wants_both, book, location_a, practice_a):
    from messaging.models import MessagingSettings

    MessagingSettings.objects.unscoped().filter(practice=practice_a).update(
        confirmation_enabled=False
    )
    assert ("confirmation", "sms") not in messages(book(wants_both, in_days(location_a, 3)))


def test_missing_template_is_a_clear_failure(messaging_on, wants_both, book, location_a):
    MessageTemplate.objects.unscoped().filter(kind="confirmation", channel="sms").delete()
    message = messages(book(wants_both, in_days(location_a, 3)))[("confirmation", "sms")]
    assert message.status == "failed"
    assert message.error == "No template for this consultation type."


def test_a_consultation_types_own_template_wins(
    messaging_on, wants_both, book, location_a, ctype_a, practice_a
):
    MessageTemplate.objects.unscoped().create(
        practice=practice_a,
        consultation_type=ctype_a,
        kind="confirmation",
        channel="sms",
        language="nl",
        body="Controle op {date} om {time}.",
    )
    message = messages(book(wants_both, in_days(location_a, 3)))[("confirmation", "sms")]
    assert message.body.startswith("Controle op ")


def test_no_mobile_or_email_is_a_clear_failure(messaging_on, wants_both, book, location_a):
    client = wants_both.client
    client.mobile = client.email = ""
    client.save()
    sent = messages(book(wants_both, in_days(location_a, 3)))
    assert sent[("confirmation", "sms")].error == "The client has no mobile number."
    assert sent[("confirmation", "email")].error == "The client has no email address."


def test_nothing_goes_out_for_appointments_in_the_past(
    messaging_on, wants_both, practice_a, dentist, location_a, ctype_a
):
    past = f.AppointmentFactory(
        practice=practice_a,
        patient=wants_both,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=timezone.now() - dt.timedelta(days=1),
        ends_at=timezone.now() - dt.timedelta(days=1) + dt.timedelta(minutes=30),
        confirmation_channel="both",
        reminder_channel="both",
    )
    assert messages_schedule_for_appointment(practice_a, past) == []


def test_reminder_is_due_hours_before_within_the_allowed_local_hours(
    messaging_on, wants_both, book, location_a
):
    # 24 h before a 08:00 appointment is 08:00, before the 09:00 window: the evening before.
    appointment = book(wants_both, in_days(location_a, 5, hour=8))
    due = messages(appointment)[("reminder", "sms")].due_at.astimezone(location_a.tz)
    assert due.time() == dt.time(20)
    assert due.date() == appointment.starts_at.astimezone(location_a.tz).date() - dt.timedelta(
        days=2
    )


def test_reminder_follows_a_moved_appointment_and_a_new_confirmation_goes_out(
    messaging_on, wants_both, book, location_a, practice_a, django_capture_on_commit_callbacks
):
    appointment = book(wants_both, in_days(location_a, 3))
    old_reminder = messages(appointment)[("reminder", "sms")]
    with django_capture_on_commit_callbacks(execute=True):
        appointment_move(
            practice_a, actor=None, appointment=appointment, starts_at=in_days(location_a, 6)
        )
    old_reminder.refresh_from_db()
    assert old_reminder.status == "cancelled"
    now = messages(appointment)
    assert now[("reminder", "sms")].due_at > old_reminder.due_at
    confirmations = Message.objects.unscoped().filter(
        appointment=appointment, kind="confirmation", channel="sms"
    )
    assert confirmations.count() == 2


def test_cancelling_stops_the_reminders(
    messaging_on, wants_both, book, location_a, practice_a, django_capture_on_commit_callbacks
):
    appointment = book(wants_both, in_days(location_a, 3))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(practice_a, actor=None, appointment=appointment)
    statuses = set(
        Message.objects.unscoped()
        .filter(appointment=appointment, kind="reminder")
        .values_list("status", flat=True)
    )
    assert statuses == {"cancelled"}


def test_scheduling_twice_never_makes_a_second_message(
    messaging_on, wants_both, book, location_a, practice_a
):
    appointment = book(wants_both, in_days(location_a, 3))
    before = Message.objects.unscoped().count()
    messages_schedule_for_appointment(practice_a, appointment)
    assert Message.objects.unscoped().count() == before


def test_a_due_reminder_is_sent_by_the_dispatcher(messaging_on, wants_both, book, location_a):
    appointment = book(wants_both, in_days(location_a, 3))
    reminder = messages(appointment)[("reminder", "sms")]
    assert claim_due_messages(limit=10) == []  # not due yet
    Message.objects.unscoped().filter(pk=reminder.pk).update(due_at=timezone.now())
    assert dispatch_due_messages() == 1
    reminder.refresh_from_db()
    assert reminder.status == "sent"
    assert reminder.body.startswith("Herinnering van")  # the practice speaks Dutch


def test_a_due_message_is_sent_without_any_queued_task(messaging_on, wants_both, book, location_a):
    """Nothing lives only in Redis: a flushed broker loses no message, the tick finds it."""
    from django.core.management import call_command

    appointment = book(wants_both, in_days(location_a, 3))
    reminder = messages(appointment)[("reminder", "sms")]
    Message.objects.unscoped().filter(pk=reminder.pk).update(due_at=timezone.now())
    call_command("run_scheduler", "--once", stdout=io.StringIO())
    reminder.refresh_from_db()
    assert reminder.status == "sent"


def test_a_new_practice_starts_with_the_default_templates(db):
    from .. import factories as f

    practice = f.PracticeFactory(slug="nieuw")
    assert MessageTemplate.objects.unscoped().filter(practice=practice).count() == 70
