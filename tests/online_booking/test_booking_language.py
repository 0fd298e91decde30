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
