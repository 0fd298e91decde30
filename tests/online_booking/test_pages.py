"""The client's booking pages: the way through, the details form, the summary, refusals."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from appointments.models import Appointment
from messaging.models import Message
from online_booking.models import (
    OnlineBookingSettings,
    OnlineLocation,
    OnlineWindow,
    Reason,
    ReasonGroup,
)

from .. import factories as f
from ..messaging.conftest import messaging_on  # noqa: F401  (a fixture)
from .conftest import MONDAY, open_for_online

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(practice_a):
    """Practice A's pages speak English here, so the tests can read them."""
    practice_a.language = "en"
    practice_a.save()


BOOK = "/p/centrum/book/"
DETAILS = "/p/centrum/book/details/"
NINE_UTC = "2030-01-07T08:00:00Z"  # Monday 09:00 in Amsterdam

ANNA = {
    "first_name": "Anna",
    "last_name": "Bakker",
    "mobile": "0612345670",
    "email": "anna.b@example.nl",
    "messages_by": "both",
}


def _details(client, setup, start=NINE_UTC, **data):
    query = f"?reason={setup.pk}&start={start}"
    return client.post(DETAILS + query, {"start": start, **ANNA, **data})


def test_the_start_page_shows_the_info_text_and_the_reasons_in_groups(client, practice_a, setup):
    OnlineBookingSettings.objects.unscoped().filter(practice=practice_a).update(
        info_text="Call us for emergencies."
    )
    ReasonGroup.objects.unscoped().filter(pk=setup.group_id).update(instructions="Bring your card.")
    page = client.get(BOOK).content.decode()
    assert "Call us for emergencies." in page
    assert "Check-ups" in page
    assert "Bring your card." in page
    assert f"?reason={setup.pk}" in page


def test_with_several_locations_the_client_chooses_one_first(client, practice_a, location_a, setup):
    other = f.LocationFactory(practice=practice_a, name="Noord")
    OnlineLocation.objects.unscoped().create(practice=practice_a, location=other)
    page = client.get(BOOK).content.decode()
    assert f"?location={other.pk}" in page
    assert "Check-ups" not in page  # reasons come after the location
    page = client.get(f"{BOOK}?location={location_a.pk}").content.decode()
    assert "Check-ups" in page


def test_a_location_that_asks_the_species_shows_only_that_species_reasons(
    client, practice_a, location_a, setup, ctype_a
):
    OnlineLocation.objects.unscoped().filter(location=location_a).update(asks_species=True)
    Reason.objects.unscoped().filter(pk=setup.pk).update(species="dog")
    cat = Reason.objects.unscoped().create(
        practice=practice_a,
        group=setup.group,
        consultation_type=ctype_a,
        name="Cat vaccination",
        species="cat",
    )
    first = client.get(BOOK).content.decode()
    assert "?species=dog" in first
    assert "?species=cat" in first
    assert "Check-ups" not in first
    dogs = client.get(f"{BOOK}?species=dog").content.decode()
    assert "Check-up" in dogs
    assert f"reason={cat.pk}" not in dogs


def test_a_chosen_reason_shows_its_instructions_and_a_month_with_green_days(
    client, practice_a, setup
):
    Reason.objects.unscoped().filter(pk=setup.pk).update(instructions="Do not eat for 2 hours.")
    page = client.get(f"{BOOK}?reason={setup.pk}&month=2030-01").content.decode()
    assert "Do not eat for 2 hours." in page
    assert 'class="day free" href="/p/centrum/book/?reason=' in page
    assert "day=2030-01-07" in page  # Monday: free
    assert "day=2030-01-12" not in page  # Saturday: nobody works


def test_a_day_lists_its_free_times_and_filters_morning_afternoon_evening(client, setup):
    page = client.get(f"{BOOK}?reason={setup.pk}&day=2030-01-07").content.decode()
    assert ">09:00<" in page
    assert ">11:30<" in page
    assert "Dirk Dentist" in page  # the practice shows practitioners' names
    assert f"start={NINE_UTC.replace(':', '%3A')}" in page
    afternoon = client.get(f"{BOOK}?reason={setup.pk}&day=2030-01-07&part=afternoon")
    assert ">09:00<" not in afternoon.content.decode()
    assert "No free times in this part of the day" in afternoon.content.decode()


def test_the_details_page_summarises_and_marks_required_fields(client, practice_a, setup):
    OnlineBookingSettings.objects.unscoped().filter(practice=practice_a).update(
        require_address=True, require_email=False
    )
    page = client.get(f"{DETAILS}?reason={setup.pk}&start={NINE_UTC}").content.decode()
    assert "Monday 7 January 2030, 09:00" in page  # day before month: config/formats/en
    assert 'for="id_address">Street address <span aria-hidden="true">*</span>' in page
    assert 'for="id_email">Email</label>' in page  # not required: no star


def test_confirming_books_an_online_appointment_with_a_confirmation_and_a_summary(
    client,
    practice_a,
    setup,
    messaging_on,  # noqa: F811  (the fixture imported above)
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _details(client, setup, note="Sensitive tooth, upper left")
    assert response.status_code == 302
    appointment = Appointment.objects.unscoped().get(source=Appointment.Source.ONLINE)
    assert appointment.notes == "Sensitive tooth, upper left"
    assert response["Location"] == f"/p/centrum/book/done/{appointment.link_code}/"
    kinds = set(
        Message.objects.unscoped().filter(appointment=appointment).values_list("kind", "channel")
    )
    assert ("confirmation", "sms") in kinds
    assert ("confirmation", "email") in kinds
    summary = client.get(response["Location"]).content.decode()
    assert "Your appointment is booked" in summary
    assert f"/p/centrum/book/done/{appointment.link_code}/appointment.ics" in summary
    assert f"/a/{appointment.link_code}/" in summary  # the way to cancel


def test_the_calendar_file_holds_the_appointment_in_utc(client, setup):
    response = _details(client, setup)
    ics = client.get(response["Location"] + "appointment.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert "BEGIN:VEVENT" in body
    assert "DTSTART:20300107T080000Z" in body
    assert "DTEND:20300107T083000Z" in body


def test_booking_the_same_time_again_is_refused_politely_with_the_nearest_times(client, setup):
    assert _details(client, setup).status_code == 302
    again = _details(client, setup, first_name="Bert", mobile="0612345671", email="b@example.nl")
    assert again.status_code == 422
    page = again.content.decode()
    assert "Sorry, that time was just taken" in page
    assert 'name="start" value="2030-01-07T08:30:00Z"' in page  # 09:30, offered instead
    assert Appointment.objects.unscoped().count() == 1


def test_bad_input_shows_the_reason_by_the_field_and_saves_nothing(client, setup):
    response = _details(client, setup, mobile="12", email="not-an-email", first_name="")
    assert response.status_code == 422
    form = response.context["form"]
    assert "first_name" in form.errors
    assert "email" in form.errors
    assert Appointment.objects.unscoped().count() == 0
    response = _details(client, setup, mobile="12")
    assert "mobile" in response.context["form"].errors
    assert Appointment.objects.unscoped().count() == 0


def test_a_filled_honeypot_books_nothing(client, setup):
    response = _details(client, setup, website="http://spam.example")
    assert response.status_code == 422
    assert Appointment.objects.unscoped().count() == 0


def test_a_junk_start_time_goes_back_to_choosing(client, setup):
    response = client.get(f"{DETAILS}?reason={setup.pk}&start=tomorrow")
    assert response.status_code == 302
    assert response["Location"].startswith(BOOK)


def test_another_practices_reason_or_location_answers_404(
    client, practice_b, location_b, setup, vet_b
):
    other = f.ConsultationTypeFactory(practice=practice_b)
    reason_b = open_for_online(practice_b, location_b, vet_b, other)
    assert client.get(f"{BOOK}?reason={reason_b.pk}").status_code == 404
    assert client.get(f"{BOOK}?reason=999999").status_code == 404
    assert client.get(f"/p/kivi/book/?reason={setup.pk}").status_code == 404


def test_the_summary_of_another_practices_booking_answers_404(client, setup, practice_b):
    response = _details(client, setup)
    code = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    f.LocationFactory(practice=practice_b)
    assert client.get(f"/p/kivi/book/done/{code}/").status_code == 404
    assert client.get("/p/centrum/book/done/nosuchcode/").status_code == 404


def test_the_page_speaks_the_practices_language_and_the_client_can_switch(
    client, practice_b, location_b, vet_b
):
    open_for_online(practice_b, location_b, vet_b, f.ConsultationTypeFactory(practice=practice_b))
    assert '<html lang="fi">' in client.get("/p/kivi/book/").content.decode()
    switched = client.get("/p/kivi/book/?lang=en")
    assert '<html lang="en">' in switched.content.decode()
    assert "Book an appointment" in switched.content.decode()
    assert switched.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get("/p/kivi/book/").content.decode()


def test_a_vet_booking_takes_one_pet_with_its_species(client, practice_b, location_b, vet_b):
    reason = open_for_online(
        practice_b,
        location_b,
        vet_b,
        f.ConsultationTypeFactory(practice=practice_b),
        species="koira",
    )
    OnlineLocation.objects.unscoped().filter(location=location_b).update(asks_species=True)
    start = dt.datetime.combine(MONDAY, dt.time(9), tzinfo=location_b.tz)
    start_utc = start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    url = f"/p/kivi/book/details/?species=koira&reason={reason.pk}&start={start_utc}"
    missing_pet = client.post(
        url,
        {
            "species": "koira",
            "reason": reason.pk,
            "start": start_utc,
            **ANNA,
            "mobile": "0401234567",
            "messages_by": "",
        },
    )
    assert "patient_name" in missing_pet.context["form"].errors
    response = client.post(
        url,
        {
            "species": "koira",
            "reason": reason.pk,
            "start": start_utc,
            **ANNA,
            "mobile": "0401234567",
            "patient_name": "Musti",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    appointment = Appointment.objects.unscoped().select_related("patient").get()
    assert (appointment.patient.name, appointment.patient.species) == ("Musti", "koira")


def test_closed_online_booking_says_so_and_gives_the_phone(client, practice_a, setup):
    practice_a.phone = "+31 30 123 4567"
    practice_a.save()
    OnlineBookingSettings.objects.unscoped().filter(practice=practice_a).update(enabled=False)
    page = client.get(BOOK).content.decode()
    assert "Online booking is not open at the moment." in page
    assert "+31 30 123 4567" in page
    assert client.get(f"{DETAILS}?reason={setup.pk}&start={NINE_UTC}").status_code == 302


@override_settings(ONLINE_BOOKING_RATE_READ="5/m", ONLINE_BOOKING_RATE_BOOK="2/m")
def test_pages_and_endpoints_are_rate_limited_per_address(client, location_a, setup):
    codes = [client.get(BOOK).status_code for _ in range(5)]
    assert codes == [200] * 5
    assert client.get(BOOK).status_code == 429
    api = client.get(f"/api/v1/public/centrum/reasons/?location={location_a.pk}")
    assert api.status_code == 429  # the same address, the same count
    other = client.get(BOOK, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200  # another address has its own


@override_settings(ONLINE_BOOKING_RATE_BOOK="2/m")
def test_booking_attempts_are_rate_limited_per_address(client, setup):
    posts = [_details(client, setup, first_name="").status_code for _ in range(3)]
    assert posts == [422, 422, 429]
    assert Appointment.objects.unscoped().count() == 0


def test_the_times_page_runs_a_constant_number_of_queries(
    client, practice_a, location_a, setup, django_assert_max_num_queries
):
    for _ in range(3):
        other = f.MembershipFactory(practice=practice_a, role="dentist")
        Reason.practitioners.through.objects.create(reason=setup, membership=other)
        f.WorkingHoursFactory(practice=practice_a, practitioner=other, location=location_a)
    # Two availability computations (the month's green days, the day's times) of 7 each.
    with django_assert_max_num_queries(21):
        response = client.get(f"{BOOK}?reason={setup.pk}&day=2030-01-07")
    assert response.status_code == 200


def test_a_month_without_free_times_says_so_and_points_to_the_next(client, setup):
    OnlineWindow.objects.unscoped().all().delete()  # nothing open online any more
    page = client.get(f"{BOOK}?reason={setup.pk}").content.decode()
    assert "No free times this month." in page
    assert "Look at the next month" in page


def test_the_calendar_does_not_page_past_the_horizon(client, practice_a, location_a, setup):
    OnlineBookingSettings.objects.unscoped().filter(practice=practice_a).update(horizon_days=40)
    today = timezone.localdate(timezone=location_a.tz)
    far = (today + dt.timedelta(days=380)).strftime("%Y-%m")
    page = client.get(f"{BOOK}?reason={setup.pk}&month={far}").content.decode()
    last = (today + dt.timedelta(days=40)).strftime("%B %Y")
    assert last in page  # clamped to the horizon's month
    assert 'aria-label="Next month"' not in page


def test_the_reason_list_runs_a_constant_number_of_queries(
    client, practice_a, setup, ctype_a, django_assert_max_num_queries
):
    for i in range(5):
        Reason.objects.unscoped().create(
            practice=practice_a, group=setup.group, consultation_type=ctype_a, name=f"R{i}"
        )
    with django_assert_max_num_queries(6):
        page = client.get(BOOK)
    assert page.content.decode().count("30 minutes") == 6
