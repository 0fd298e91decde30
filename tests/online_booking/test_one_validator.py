"""Online booking's rules have one owner, services.booking_check; the page and the API only
render its refusals: next to the field on the page, as 400 {field: [reason]} in the API.

Every rule is tried both ways, with the same input, and must refuse the same field.
"""

import datetime as dt

import pytest

from appointments.models import Appointment
from messaging.models import MessagingSettings
from online_booking.forms import DetailsForm
from online_booking.models import OnlineBookingSettings, OnlineLocation

from .. import factories as f
from ..messaging.conftest import messaging_on  # noqa: F401  (a fixture)
from .conftest import MONDAY, open_for_online

pytestmark = pytest.mark.django_db

NINE_UTC = "2030-01-07T08:00:00Z"  # Monday 09:00 in Amsterdam
ANNA = {
    "first_name": "Anna",
    "last_name": "Bakker",
    "mobile": "0612345670",
    "email": "anna.b@example.nl",
}


@pytest.fixture
def setup(practice_a, location_a, dentist, ctype_a):
    practice_a.language = "en"
    practice_a.save()
    return open_for_online(practice_a, location_a, dentist, ctype_a)


def _page(client, location, reason, **data):
    slug = location.practice.slug
    url = f"/p/{slug}/book/details/?reason={reason.pk}&start={NINE_UTC}"
    response = client.post(url, {"start": NINE_UTC, **data})
    if response.status_code == 302:
        return 302, {}
    return response.status_code, response.context["form"].errors


def _api(client, location, reason, **data):
    start = dt.datetime.combine(MONDAY, dt.time(9), tzinfo=location.tz).isoformat()
    body = {"location": location.pk, "reason": reason.pk, "starts_at": start, **data}
    url = f"/api/v1/public/{location.practice.slug}/book/"
    response = client.post(url, body, content_type="application/json")
    return response.status_code, response.json() if response.status_code == 400 else {}


BOTH_WAYS = pytest.mark.parametrize("book", [_page, _api], ids=["page", "api"])
REFUSED = {_page: 422, _api: 400}


def _refused(book, status: int) -> bool:
    return status == REFUSED[book] and not Appointment.objects.unscoped().exists()


@BOTH_WAYS
@pytest.mark.parametrize("field", ["first_name", "last_name", "mobile", "email"])
def test_a_required_field_left_empty_is_refused_by_that_field(
    client, location_a, setup, book, field
):
    status, errors = book(client, location_a, setup, **{**ANNA, field: ""})
    assert _refused(book, status)
    assert errors[field] == ["This field is required."]


@BOTH_WAYS
def test_the_address_is_required_when_the_practice_asks_for_it(
    client, practice_a, location_a, setup, book
):
    OnlineBookingSettings.objects.unscoped().filter(practice=practice_a).update(
        require_address=True
    )
    status, errors = book(client, location_a, setup, **ANNA)
    assert _refused(book, status)
    assert set(errors) == {"address", "postal_code", "city"}


@BOTH_WAYS
def test_email_is_optional_when_the_practice_does_not_ask_for_it(
    client, practice_a, location_a, setup, book
):
    OnlineBookingSettings.objects.unscoped().filter(practice=practice_a).update(require_email=False)
    status, errors = book(client, location_a, setup, **{**ANNA, "email": ""})
    assert (status, errors) == ({_page: 302, _api: 201}[book], {})


@BOTH_WAYS
def test_a_vet_practice_needs_the_pets_name(client, practice_b, location_b, vet_b, book):
    reason = open_for_online(
        practice_b, location_b, vet_b, f.ConsultationTypeFactory(practice=practice_b)
    )
    practice_b.language = "en"
    practice_b.save()
    status, errors = book(client, location_b, reason, **ANNA)
    assert _refused(book, status)
    assert errors["patient_name"] == ["This field is required."]


@BOTH_WAYS
def test_a_filled_honeypot_is_refused(client, location_a, setup, book):
    status, errors = book(client, location_a, setup, **ANNA, website="http://spam.example")
    assert _refused(book, status)
    assert errors["website"] == ["Leave this field empty."]


@BOTH_WAYS
def test_sms_needs_a_mobile(
    client,
    location_a,
    setup,
    messaging_on,  # noqa: F811  (the fixture imported above)
    practice_a,
    book,
):
    OnlineBookingSettings.objects.unscoped().filter(practice=practice_a).update(
        require_mobile=False
    )
    status, errors = book(client, location_a, setup, **{**ANNA, "mobile": ""}, messages_by="sms")
    assert _refused(book, status)
    assert errors["mobile"] == ["Give a mobile number for messages by SMS."]


@BOTH_WAYS
def test_email_confirmations_need_an_email_address(
    client,
    location_a,
    setup,
    messaging_on,  # noqa: F811
    practice_a,
    book,
):
    OnlineBookingSettings.objects.unscoped().filter(practice=practice_a).update(require_email=False)
    status, errors = book(client, location_a, setup, **{**ANNA, "email": ""}, messages_by="both")
    assert _refused(book, status)
    assert errors["email"] == ["Give an email address for messages by email."]


@BOTH_WAYS
def test_a_channel_the_practice_does_not_send_by_is_refused(
    client,
    location_a,
    setup,
    messaging_on,  # noqa: F811
    practice_a,
    book,
):
    MessagingSettings.objects.unscoped().filter(practice=practice_a).update(confirmation_sms=False)
    status, errors = book(client, location_a, setup, **ANNA, messages_by="sms")
    assert _refused(book, status)
    assert errors["messages_by"] == ["Choose how we send your confirmation."]


@BOTH_WAYS
@pytest.mark.parametrize(
    ("field", "value"), [("mobile", "12ab"), ("email", "x@"), ("first_name", "A" * 101)]
)
def test_contact_details_we_cannot_use_are_refused_by_the_field(
    client, location_a, setup, book, field, value
):
    status, errors = book(client, location_a, setup, **{**ANNA, field: value})
    assert _refused(book, status)
    assert field in errors


@BOTH_WAYS
def test_a_note_longer_than_the_appointment_takes_is_refused(client, location_a, setup, book):
    status, errors = book(client, location_a, setup, **ANNA, note="x" * 2001)
    assert _refused(book, status)
    assert errors["note"] == ["Use at most 2000 characters."]


def test_booking_where_online_booking_is_not_open_is_refused_by_the_api(client, location_a, setup):
    OnlineLocation.objects.unscoped().filter(location=location_a).update(enabled=False)
    status, errors = _api(client, location_a, setup, **ANNA)
    assert _refused(_api, status)
    assert errors["location"] == ["Online booking is not open here."]


def test_booking_where_online_booking_is_not_open_goes_back_on_the_page(
    client, practice_a, location_a, setup
):
    OnlineBookingSettings.objects.unscoped().filter(practice=practice_a).update(enabled=False)
    status, _errors = _page(client, location_a, setup, **ANNA)
    assert status == 302
    assert not Appointment.objects.unscoped().exists()


def test_the_page_form_and_the_api_checks_nothing_themselves(practice_a, setup):
    """No rule in the collectors: the form is valid with nothing typed (the service refuses)."""
    from online_booking.api import BookSerializer

    form = DetailsForm({"website": "spam"}, practice=practice_a, reason=setup, species="")
    assert form.is_valid()
    serializer = BookSerializer(
        data={"location": 1, "reason": 1, "starts_at": NINE_UTC, "website": "spam"}
    )
    assert serializer.is_valid(), serializer.errors


def test_the_page_marks_what_the_service_requires(client, practice_a, setup):
    OnlineBookingSettings.objects.unscoped().filter(practice=practice_a).update(
        require_mobile=False
    )
    page = client.get(f"/p/centrum/book/details/?reason={setup.pk}&start={NINE_UTC}")
    html = page.content.decode()
    assert 'for="id_email">Email <span aria-hidden="true">*</span>' in html
    assert 'for="id_mobile">Mobile phone</label>' in html
