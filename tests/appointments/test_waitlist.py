"""Waitlist fill: a cancelled time is offered to the entries it fits; the first claim books it."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from appointments import signals
from appointments.models import Appointment, WaitlistEntry, WaitlistOffer
from appointments.services import appointment_book, appointment_cancel
from appointments.waitlist import waitlist_claim, waitlist_offer_freed_time
from messaging.links import appointment_link, waitlist_offer_link
from messaging.models import Message
from messaging.services import messages_cancel_pending
from messaging.waitlist import waitlist_message_due
from practice.models import Role

from .. import factories as f

pytestmark = pytest.mark.django_db

Status = WaitlistOffer.Status


@pytest.fixture(autouse=True)
def _sending_all_day(practice_a):
    """Offers go out at once whatever the hour the suite runs (sending hours: all day)."""
    from messaging.models import MessagingSettings

    MessagingSettings.objects.unscoped().create(
        practice=practice_a,
        reminder_window_start=dt.time(0),
        reminder_window_end=dt.time(23, 59, 59, 999999),
    )


@pytest.fixture
def gateway(practice_a):
    from messaging.models import SmsGateway

    return SmsGateway.objects.unscoped().create(
        practice=practice_a,
        account_sid="AC" + "1" * 32,
        auth_token="secret-token-1234",
        sender="+3197010000000",
        credit_segments=100,
    )


@pytest.fixture
def waiting(practice_a, location_a, ctype_a):
    """make(**entry fields): a new client and patient on practice A's waitlist."""

    def make(**fields):
        patient = f.PatientFactory(practice=practice_a)
        values = {"consultation_type": ctype_a, "location": location_a, **fields}
        return WaitlistEntry.objects.unscoped().create(
            practice=practice_a, client=patient.client, patient=patient, **values
        )

    return make


@pytest.fixture
def cancel(django_capture_on_commit_callbacks):
    """Cancel as staff do, running what happens after commit (the offers and messages)."""

    def _cancel(appointment):
        with django_capture_on_commit_callbacks(execute=True):
            appointment_cancel(appointment.practice, actor=None, appointment=appointment)
        return list(WaitlistOffer.objects.unscoped().filter(cancelled_appointment=appointment))

    return _cancel


@pytest.fixture
def claim(practice_a, django_capture_on_commit_callbacks):
    def _claim(offer):
        with django_capture_on_commit_callbacks(execute=True):
            return waitlist_claim(practice_a, offer)

    return _claim


def offer_path(offer):
    return reverse("waitlist-offer", args=[offer.code])


def messages_of(offer, kind):
    return list(Message.objects.unscoped().filter(waitlist_offer=offer, kind=kind))


# --- which entries fit ---------------------------------------------------------------


def test_only_entries_for_the_same_consultation_type_are_offered(
    practice_a, appointment_a, waiting, cancel
):
    same = waiting()
    other_type = f.ConsultationTypeFactory(practice=practice_a, name="Implant")
    waiting(consultation_type=other_type)
    assert [o.entry for o in cancel(appointment_a)] == [same]


def test_only_entries_at_the_same_location_are_offered(practice_a, appointment_a, waiting, cancel):
    same = waiting()
    waiting(location=f.LocationFactory(practice=practice_a, name="Noord"))
    assert [o.entry for o in cancel(appointment_a)] == [same]


def test_an_entry_wanting_another_practitioner_is_not_offered(
    practice_a, appointment_a, dentist, waiting, cancel
):
    other = f.MembershipFactory(practice=practice_a, role=Role.DENTIST)
    anyone = waiting()
    with_dirk = waiting(practitioner=dentist)
    waiting(practitioner=other)
    assert {o.entry for o in cancel(appointment_a)} == {anyone, with_dirk}


def test_days_are_the_clients_acceptable_local_weekdays(appointment_a, tomorrow_9, waiting, cancel):
    day = str(tomorrow_9.weekday())
    other_day = str((tomorrow_9.weekday() + 1) % 7)
    fits = waiting(weekdays=day + other_day)
    waiting(weekdays=other_day)
    any_day = waiting(weekdays="")
    assert {o.entry for o in cancel(appointment_a)} == {fits, any_day}


def test_the_weekday_is_taken_in_the_locations_time_zone(
    practice_a, patient_a, dentist, ctype_a, waiting, cancel
):
    # given 00:30 on a local day in Amsterdam, which is still the day before in UTC
    location = f.LocationFactory(practice=practice_a, name="Oost", time_zone="Europe/Amsterdam")
    local_day = timezone.localdate() + dt.timedelta(days=3)
    start = dt.datetime.combine(local_day, dt.time(0, 30), tzinfo=location.tz)
    assert start.astimezone(dt.UTC).weekday() != local_day.weekday()
    appointment = f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=dentist,
        location=location,
        consultation_type=ctype_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )
    local = waiting(location=location, weekdays=str(local_day.weekday()))
    waiting(location=location, weekdays=str(start.astimezone(dt.UTC).weekday()))
    # when / then
    assert [o.entry for o in cancel(appointment)] == [local]


def test_hours_are_the_clients_acceptable_local_hours(appointment_a, waiting, cancel):
    # appointment_a is 09:00-09:30 local time (07:00/08:00 UTC)
    inside = waiting(earliest_time=dt.time(9), latest_time=dt.time(9, 30))
    from_only = waiting(earliest_time=dt.time(8))
    waiting(earliest_time=dt.time(9, 15))  # starts too early for them
    waiting(latest_time=dt.time(9, 20))  # ends too late for them
    waiting(earliest_time=dt.time(7), latest_time=dt.time(8, 30))  # the UTC hours
    assert {o.entry for o in cancel(appointment_a)} == {inside, from_only}


def test_hours_follow_a_location_in_another_time_zone(
    practice_a, patient_a, dentist, ctype_a, waiting, cancel
):
    location = f.LocationFactory(practice=practice_a, name="Curaçao", time_zone="America/Curacao")
    day = timezone.localdate(timezone=location.tz) + dt.timedelta(days=2)
    start = dt.datetime.combine(day, dt.time(16), tzinfo=location.tz)  # 20:00 UTC
    appointment = f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=dentist,
        location=location,
        consultation_type=ctype_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )
    afternoons = waiting(location=location, earliest_time=dt.time(13), latest_time=dt.time(17))
    waiting(location=location, earliest_time=dt.time(19), latest_time=dt.time(21))
    assert [o.entry for o in cancel(appointment)] == [afternoons]


def test_closed_entries_and_the_cancelling_patient_are_not_offered(
    appointment_a, patient_a, practice_a, ctype_a, location_a, waiting, cancel
):
    waiting(status=WaitlistEntry.Status.CLOSED)
    WaitlistEntry.objects.unscoped().create(
        practice=practice_a,
        client=patient_a.client,
        patient=patient_a,
        consultation_type=ctype_a,
        location=location_a,
    )
    assert cancel(appointment_a) == []


def test_no_offers_for_a_time_in_the_past(
    practice_a, patient_a, dentist, location_a, ctype_a, waiting, cancel
):
    waiting()
    start = timezone.now() - dt.timedelta(hours=2)
    past = f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )
    assert cancel(past) == []


def test_no_offers_when_the_time_was_booked_again_before_the_offer(
    practice_a, appointment_a, dentist, location_a, ctype_a, tomorrow_9, waiting, cancel
):
    waiting()
    appointment_a.status = Appointment.Status.CANCELLED
    appointment_a.save()
    appointment_book(
        practice_a,
        actor=None,
        patient=f.PatientFactory(practice=practice_a),
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=tomorrow_9,
    )
    assert waitlist_offer_freed_time(practice_a, appointment_a) == []


# --- offering ---------------------------------------------------------------------------


def test_each_fitting_entry_gets_one_offer_and_one_message(gateway, appointment_a, waiting, cancel):
    by_sms = waiting()
    by_email = waiting()
    by_email.client.mobile = ""
    by_email.client.save()
    offers = {o.entry: o for o in cancel(appointment_a)}
    assert set(offers) == {by_sms, by_email}
    sms = messages_of(offers[by_sms], "waitlist_offer")
    email = messages_of(offers[by_email], "waitlist_offer")
    assert [(m.channel, m.recipient) for m in sms] == [("sms", by_sms.client.mobile)]
    assert [(m.channel, m.recipient) for m in email] == [("email", by_email.client.email)]
    assert (offers[by_sms].channel, offers[by_email].channel) == ("sms", "email")


def test_the_offer_message_names_the_local_time_and_the_personal_link(
    gateway, appointment_a, waiting, cancel
):
    waiting()
    offer = cancel(appointment_a)[0]
    (message,) = messages_of(offer, "waitlist_offer")
    assert message.status == Message.Status.SENT, message.error
    assert waitlist_offer_link(offer) in message.body
    assert "09:00" in message.body  # Amsterdam time, not UTC
    assert message.appointment is None
    assert message.idempotency_key == f"waitlist:{offer.pk}:waitlist_offer:sms"


def test_a_client_without_mobile_or_email_is_offered_but_not_messaged(
    appointment_a, waiting, cancel
):
    unreachable = waiting()
    unreachable.client.mobile = unreachable.client.email = ""
    unreachable.client.save()
    (offer,) = cancel(appointment_a)
    assert offer.channel == ""
    assert not Message.objects.unscoped().filter(waitlist_offer=offer).exists()


def test_a_second_cancellation_signal_does_not_offer_twice(
    practice_a, gateway, appointment_a, waiting, cancel, django_capture_on_commit_callbacks
):
    waiting()
    cancel(appointment_a)
    with django_capture_on_commit_callbacks(execute=True):
        signals.appointment_cancelled.send(
            sender=Appointment, practice=practice_a, appointment=appointment_a, actor=None
        )
    assert WaitlistOffer.objects.unscoped().count() == 1
    assert Message.objects.unscoped().filter(kind="waitlist_offer").count() == 1


def test_the_database_refuses_a_second_offer_of_one_time_to_one_entry(
    appointment_a, waiting, cancel
):
    from django.db import IntegrityError, transaction

    waiting()
    offer = cancel(appointment_a)[0]
    offer.pk, offer.code = None, "another-code"
    with pytest.raises(IntegrityError), transaction.atomic():
        offer.save()


def test_the_cancelled_appointments_pending_messages_never_cancel_an_offer(
    practice_a, appointment_a, waiting, cancel
):
    waiting()
    offer = cancel(appointment_a)[0]
    Message.objects.unscoped().filter(waitlist_offer=offer).update(status="scheduled")
    messages_cancel_pending(practice_a, appointment_a)
    assert messages_of(offer, "waitlist_offer")[0].status == "scheduled"


def test_the_clients_cancel_link_offers_the_time(
    client, appointment_a, waiting, django_capture_on_commit_callbacks
):
    entry = waiting()
    path = appointment_link(appointment_a).split("8000", 1)[-1]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path, {"action": "cancel"})
    assert WaitlistOffer.objects.unscoped().get().entry == entry


def test_a_staff_cancel_offers_the_time(
    rita_client, appointment_a, waiting, django_capture_on_commit_callbacks
):
    entry = waiting()
    with django_capture_on_commit_callbacks(execute=True):
        response = rita_client.post(
            reverse("appointment-cancel", args=[appointment_a.pk]), {"reason": "Ill"}
        )
    assert response.status_code < 400
    assert WaitlistOffer.objects.unscoped().get().entry == entry


# --- claiming ---------------------------------------------------------------------------


@pytest.fixture
def two_offers(gateway, appointment_a, waiting, cancel):
    first, second = waiting(notes="Mornings best"), waiting()
    offers = {o.entry: o for o in cancel(appointment_a)}
    return offers[first], offers[second]


def test_the_first_claim_books_the_time_through_the_booking_path(
    rita_client, two_offers, claim, location_a, tomorrow_9
):
    offer, _ = two_offers
    claimed = claim(offer)
    assert claimed.status == Status.CLAIMED
    booked = claimed.appointment
    assert booked.patient == offer.entry.patient
    assert (booked.starts_at, booked.status, booked.source) == (tomorrow_9, "booked", "waitlist")
    entry = WaitlistEntry.objects.unscoped().get(pk=offer.entry_id)
    assert (entry.status, entry.appointment, entry.closed_at) == (
        "booked",
        booked,
        claimed.closed_at,
    )
    calendar = rita_client.get(
        reverse("calendar"), {"location": location_a.pk, "date": tomorrow_9.date().isoformat()}
    )
    assert offer.entry.patient.name in calendar.content.decode()


def test_the_others_are_told_it_has_gone_and_their_page_says_so(client, two_offers, claim):
    winner, other = two_offers
    claim(winner)
    other.refresh_from_db()
    assert (other.status, other.reason) == (Status.GONE, WaitlistOffer.Reason.OTHER_CLIENT)
    (gone,) = messages_of(other, "waitlist_gone")
    assert (gone.channel, gone.status) == ("sms", Message.Status.SENT)
    assert messages_of(winner, "waitlist_gone") == []
    page = client.get(offer_path(other)).content.decode()
    with translation.override(other.practice.language):  # the page speaks the practice's
        assert gettext("Sorry, this time has gone") in page
        assert gettext("Another client booked it first.") in page
        assert gettext("Book this time") not in page


def test_an_offer_not_yet_sent_is_withdrawn_instead_of_followed_by_gone(two_offers, claim):
    winner, other = two_offers
    Message.objects.unscoped().filter(waitlist_offer=other).update(status="scheduled")
    claim(winner)
    assert messages_of(other, "waitlist_offer")[0].status == Message.Status.CANCELLED
    assert messages_of(other, "waitlist_gone") == []


def test_claiming_a_gone_offer_books_nothing(two_offers, claim):
    winner, other = two_offers
    claim(winner)
    result = claim(other)
    assert result.status == Status.GONE
    assert Appointment.objects.unscoped().filter(status="booked").count() == 1


def test_claiming_twice_changes_nothing(two_offers, claim):
    offer, _ = two_offers
    first = claim(offer)
    again = claim(offer)
    assert (again.status, again.appointment) == (Status.CLAIMED, first.appointment)
    assert Appointment.objects.unscoped().filter(status="booked").count() == 1


def test_a_time_staff_booked_meanwhile_is_gone_for_everyone(
    practice_a, two_offers, claim, dentist, location_a, ctype_a, tomorrow_9
):
    offer, other = two_offers
    appointment_book(
        practice_a,
        actor=None,
        patient=f.PatientFactory(practice=practice_a),
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=tomorrow_9,
    )
    result = claim(offer)
    assert (result.status, result.reason) == (Status.GONE, WaitlistOffer.Reason.NOT_FREE)
    assert result.appointment is None
    other.refresh_from_db()
    assert other.status == Status.GONE
    assert len(messages_of(other, "waitlist_gone")) == 1
    entry = WaitlistEntry.objects.unscoped().get(pk=offer.entry_id)
    assert entry.status == WaitlistEntry.Status.OPEN  # still waiting for another time


def test_a_past_offer_expires_and_books_nothing(two_offers, claim):
    offer, _ = two_offers
    WaitlistOffer.objects.unscoped().filter(pk=offer.pk).update(
        starts_at=timezone.now() - dt.timedelta(minutes=1)
    )
    offer.refresh_from_db()
    assert claim(offer).status == Status.EXPIRED
    assert not Appointment.objects.unscoped().filter(source="waitlist").exists()


def test_a_booked_entrys_offers_of_other_times_are_gone(
    practice_a, patient_a, dentist, location_a, ctype_a, tomorrow_9, waiting, cancel, claim
):
    entry = waiting()
    later = f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=tomorrow_9 + dt.timedelta(hours=2),
        ends_at=tomorrow_9 + dt.timedelta(hours=2, minutes=30),
    )
    sooner = f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=tomorrow_9,
        ends_at=tomorrow_9 + dt.timedelta(minutes=30),
    )
    (first,) = cancel(later)
    (second,) = cancel(sooner)
    booked = claim(second).appointment
    first.refresh_from_db()
    assert (first.status, first.reason) == (Status.GONE, WaitlistOffer.Reason.ENTRY_CLOSED)
    assert claim(first).status == Status.GONE
    assert WaitlistEntry.objects.unscoped().get(pk=entry.pk).appointment == booked


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_of_one_time_book_exactly_one_appointment(
    practice_a, appointment_a, waiting, on_postgres
):
    # given four clients offered the same freed time
    for _ in range(4):
        waiting()
    appointment_cancel(practice_a, actor=None, appointment=appointment_a)  # commits: offers made
    offers = list(WaitlistOffer.objects.unscoped().filter(cancelled_appointment=appointment_a))
    assert len(offers) == 4
    barrier = threading.Barrier(len(offers))
    results: list[str] = []

    def attempt(offer):
        try:
            barrier.wait()
            results.append(waitlist_claim(practice_a, offer).status)
        finally:
            connection.close()

    # when they all claim at once
    threads = [threading.Thread(target=attempt, args=(o,)) for o in offers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then exactly one gets it
    assert sorted(results) == [Status.CLAIMED] + [Status.GONE] * 3
    booked = Appointment.objects.unscoped().filter(
        starts_at=appointment_a.starts_at, status="booked"
    )
    assert booked.count() == 1
    assert WaitlistEntry.objects.unscoped().filter(status="booked").count() == 1


# --- the client's page ------------------------------------------------------------------


def test_the_page_shows_the_offered_time_and_books_it(
    client, two_offers, django_capture_on_commit_callbacks
):
    offer, _ = two_offers
    page = client.get(offer_path(offer))
    content = page.content.decode()
    assert page.status_code == 200
    assert 'lang="nl"' in content  # the practice's language
    assert "09:00" in content  # the location's time, not UTC
    assert offer.entry.patient.name in content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(offer_path(offer))
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == Status.CLAIMED
    assert "09:00" in client.get(offer_path(offer)).content.decode()


def test_an_unknown_or_mangled_code_is_404(client, two_offers):
    offer, _ = two_offers
    assert client.get(offer_path(offer)[:-5] + "xxxx/").status_code == 404
    assert client.post("/w/" + "x" * 40 + "/").status_code == 404


def test_a_claim_without_the_csrf_token_is_refused_and_books_nothing(two_offers):
    offer, _ = two_offers
    response = HttpClient(enforce_csrf_checks=True).post(offer_path(offer))
    assert response.status_code == 403
    offer.refresh_from_db()
    assert offer.status == Status.OFFERED


def test_another_practices_offer_code_does_not_book_in_this_practice(
    client, practice_b, patient_b, vet_b, location_b, django_capture_on_commit_callbacks
):
    # given an offer in practice B, and practice A knows nothing of it
    ctype = f.ConsultationTypeFactory(practice=practice_b, name="Rokotus")
    start = timezone.now() + dt.timedelta(days=2)
    cancelled = f.AppointmentFactory(
        practice=practice_b,
        patient=patient_b,
        practitioner=vet_b,
        location=location_b,
        consultation_type=ctype,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=20),
    )
    other = f.PatientFactory(practice=practice_b)
    WaitlistEntry.objects.unscoped().create(
        practice=practice_b,
        client=other.client,
        patient=other,
        consultation_type=ctype,
        location=location_b,
    )
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(practice_b, actor=None, appointment=cancelled)
    offer = WaitlistOffer.objects.unscoped().get()
    # when its client claims it
    with django_capture_on_commit_callbacks(execute=True):
        client.post(offer_path(offer))
    # then it is booked in practice B, in B's language
    offer.refresh_from_db()
    assert offer.appointment.practice == practice_b
    assert 'lang="fi"' in client.get(offer_path(offer)).content.decode()


def test_a_waitlist_message_cannot_be_retried_from_an_appointment_panel(rita_client, two_offers):
    offer, _ = two_offers
    message = Message.objects.unscoped().get(waitlist_offer=offer)
    Message.objects.unscoped().filter(pk=message.pk).update(status="failed")
    assert rita_client.post(reverse("message-retry", args=[message.pk])).status_code == 404


# --- staff see the offers ---------------------------------------------------------------


@pytest.fixture
def dora_admin(client, director):
    director.user.is_staff = True
    director.user.save()
    client.force_login(director.user)
    return client


def entry_admin_url(entry, action="change"):
    name = f"admin:appointments_waitlistentry_{action}"
    return reverse(name, args=[entry.pk] if action == "change" else [])


def test_the_entry_shows_its_offers_and_their_result(dora_admin, two_offers, claim):
    winner, other = two_offers
    claim(winner)
    content = dora_admin.get(entry_admin_url(other.entry)).content.decode()
    for shown in ("Gone", "Another client booked it first.", "09:00", "SMS"):
        assert shown in content
    content = dora_admin.get(entry_admin_url(winner.entry)).content.decode()
    assert "Claimed" in content


def test_the_entry_page_does_not_query_per_offer(
    dora_admin,
    practice_a,
    patient_a,
    dentist,
    location_a,
    ctype_a,
    tomorrow_9,
    waiting,
    cancel,
    django_assert_max_num_queries,
):
    entry = waiting()

    def cancel_one(hours):
        start = tomorrow_9 + dt.timedelta(hours=hours)
        cancel(
            f.AppointmentFactory(
                practice=practice_a,
                patient=patient_a,
                practitioner=dentist,
                location=location_a,
                consultation_type=ctype_a,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=30),
            )
        )

    cancel_one(1)
    dora_admin.get(entry_admin_url(entry))  # warm up caches (session, content types)
    with django_assert_max_num_queries(60) as one:
        dora_admin.get(entry_admin_url(entry))
    for hours in range(2, 7):
        cancel_one(hours)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = dora_admin.get(entry_admin_url(entry))
    assert len(response.context["inline_admin_formsets"][0].formset.forms) == 6


def test_staff_tick_the_days_and_set_the_hours(dora_admin, waiting):
    entry = waiting()
    response = dora_admin.post(entry_admin_url(entry), admin_form(entry, weekdays=["4", "0"]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry.refresh_from_db()
    assert (entry.weekdays, entry.earliest_time) == ("04", dt.time(8))
    form = dora_admin.get(entry_admin_url(entry)).context["adminform"].form
    assert form.initial["weekdays"] == [0, 4]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"weekdays": ["9"]}, "Select a valid choice"),
        ({"weekdays": ["<script>"]}, "Select a valid choice"),
        ({"latest_time": "07:00"}, "The latest time must be after the earliest."),
        ({"earliest_time": "25:99"}, "Enter a valid time."),
    ],
)
def test_bad_days_or_hours_are_refused_and_nothing_is_saved(dora_admin, waiting, change, error):
    entry = waiting()
    response = dora_admin.post(entry_admin_url(entry), admin_form(entry, **change))
    assert response.status_code == 200
    assert error in response.content.decode()
    entry.refresh_from_db()
    assert (entry.weekdays, entry.earliest_time, entry.latest_time) == ("", None, None)


def admin_form(entry, **change):
    data = {
        "client": entry.client_id,
        "patient": entry.patient_id,
        "consultation_type": entry.consultation_type_id,
        "location": entry.location_id,
        "practitioner": "",
        "weekdays": [],
        "earliest_time": "08:00",
        "latest_time": "12:00",
        "notes": "",
        "status": "open",
        "appointment": "",
        "closed_at_0": "",
        "closed_at_1": "",
        "offers-TOTAL_FORMS": "0",
        "offers-INITIAL_FORMS": "0",
        "offers-MIN_NUM_FORMS": "0",
        "offers-MAX_NUM_FORMS": "1000",
    }
    data.update(change)
    return data


# --- sending hours ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local_now", "due"),
    [
        (dt.datetime(2030, 1, 7, 3, 0), dt.datetime(2030, 1, 7, 9, 0)),  # night: at 09:00
        (dt.datetime(2030, 1, 7, 14, 0), dt.datetime(2030, 1, 7, 14, 0)),  # day: now
        (dt.datetime(2030, 1, 7, 21, 30), dt.datetime(2030, 1, 8, 9, 0)),  # evening: tomorrow
    ],
)
def test_offers_go_out_within_the_practices_local_sending_hours(
    practice_a, location_a, appointment_a, waiting, local_now, due
):
    from messaging.models import MessagingSettings

    MessagingSettings.objects.unscoped().filter(practice=practice_a).update(
        reminder_window_start=dt.time(9), reminder_window_end=dt.time(20)
    )
    offer = WaitlistOffer(
        practice=practice_a,
        entry=waiting(),
        cancelled_appointment=appointment_a,
        location=location_a,
        starts_at=appointment_a.starts_at,
        ends_at=appointment_a.ends_at,
    )
    now = local_now.replace(tzinfo=location_a.tz)
    assert waitlist_message_due(practice_a, offer, now=now) == due.replace(tzinfo=location_a.tz)


def test_no_offer_message_when_sending_hours_open_only_after_the_time_begins(
    practice_a, location_a, ctype_a, dentist, patient_a, waiting, cancel, gateway
):
    from messaging.models import MessagingSettings

    # Sending hours have closed for today and the freed time is before they open tomorrow.
    now = timezone.localtime(timezone=location_a.tz)
    MessagingSettings.objects.unscoped().filter(practice=practice_a).update(
        reminder_window_start=dt.time(0), reminder_window_end=dt.time(0, 0, 1)
    )
    start = now + dt.timedelta(minutes=5)
    if start.date() != now.date():
        pytest.skip("needs five minutes left in the local day")
    appointment = f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )
    waiting()
    [offer] = cancel(appointment)
    assert messages_of(offer, "waitlist_offer") == []
