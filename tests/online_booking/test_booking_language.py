"""A client who books online in a language keeps it for their messages; the summary names
the reason as the booking pages did (issue 13, 'Languages')."""

import pytest

from online_booking.models import Reason
from patients.models import Client

pytestmark = pytest.mark.django_db

BOOK = "/p/centrum/book/"
NINE_UTC = "2030-01-07T08:00:00Z"  # Monday 09:00 in Amsterdam
ANNA = {
    "first_name": "Anna",
    "last_name": "Bakker",
    "mobile": "0612345670",
    "email": "anna.b@example.nl",
    "messages_by": "both",
}


def _book(client, setup, lang=""):
    query = f"reason={setup.pk}&start={NINE_UTC}" + (f"&lang={lang}" if lang else "")
    return client.post(f"{BOOK}details/?{query}", {"start": NINE_UTC, **ANNA})


def test_a_new_client_who_books_in_russian_gets_their_messages_in_russian(client, setup):
    response = _book(client, setup, lang="ru")
    assert response.status_code == 302
    assert Client.objects.unscoped().get(email="anna.b@example.nl").language == "ru"


def test_a_new_client_who_books_in_the_practices_language_follows_the_practice(client, setup):
    assert _book(client, setup, lang="nl").status_code == 302
    assert Client.objects.unscoped().get(email="anna.b@example.nl").language == ""


def test_the_summary_names_the_reason_as_the_booking_did(client, setup, ctype_a):
    # given: the online reason reads differently from the consultation type behind it
    Reason.objects.unscoped().filter(pk=setup.pk).update(name="Check-up and cleaning (online)")
    assert ctype_a.name != "Check-up and cleaning (online)"
    details = client.get(f"{BOOK}details/?reason={setup.pk}&start={NINE_UTC}").content.decode()
    assert "Check-up and cleaning (online)" in details
    # when
    response = _book(client, setup)
    # then: the summary and the calendar file say the same
    summary = client.get(response["Location"]).content.decode()
    assert "Check-up and cleaning (online)" in summary
    assert ctype_a.name not in summary
    ics = client.get(response["Location"] + "appointment.ics").content.decode()
    assert "Check-up and cleaning (online)" in ics


# The public booking API (a practice website's or app's booking) follows the same rule as the
# pages: the client's choice (the `language` field, ?lang=), else the practice's language.
API = "/api/v1/public/centrum/book/"


def _api_book(client, location_a, setup, query="", **extra):
    payload = {
        "location": location_a.pk,
        "reason": setup.pk,
        "starts_at": NINE_UTC,
        **{k: v for k, v in ANNA.items() if k != "messages_by"},
        **extra,
    }
    return client.post(f"{API}{query}", payload, content_type="application/json")


def _stored_language() -> str:
    return Client.objects.unscoped().get(email="anna.b@example.nl").language


@pytest.mark.parametrize(
    ("query", "extra", "stored"),
    [
        ("", {"language": "ru"}, "ru"),
        ("?lang=fi", {}, "fi"),
        ("?lang=fi", {"language": "it"}, "it"),  # the field is the app's explicit choice
        ("", {"language": "nl"}, ""),  # the practice's: follows the practice
        ("", {}, ""),
    ],
)
def test_a_new_client_booking_through_the_api_keeps_their_language(
    client, location_a, setup, query, extra, stored
):
    response = _api_book(client, location_a, setup, query, **extra)
    assert response.status_code == 201, response.content
    assert _stored_language() == stored


@pytest.mark.parametrize("lang", ["ru", "nl", "it"])
def test_the_api_and_the_booking_pages_store_the_same_language(client, location_a, setup, lang):
    assert _book(client, setup, lang=lang).status_code == 302
    by_pages = _stored_language()
    client.cookies.clear()
    # another new client, an hour later, through the API with the same choice
    response = _api_book(
        client,
        location_a,
        setup,
        f"?lang={lang}",
        starts_at="2030-01-07T09:00:00Z",
        email="bram@example.nl",
        mobile="0612345671",
        first_name="Bram",
    )
    assert response.status_code == 201, response.content
    assert Client.objects.unscoped().get(email="bram@example.nl").language == by_pages


def test_an_unknown_language_through_the_api_answers_400_and_books_nothing(
    client, location_a, setup
):
    response = _api_book(client, location_a, setup, language="xx")
    assert response.status_code == 400
    assert "language" in response.json()
    assert not Client.objects.unscoped().filter(email="anna.b@example.nl").exists()
