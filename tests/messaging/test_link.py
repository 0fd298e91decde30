from django.urls import reverse

from appointments.models import Appointment
from messaging.links import appointment_link


def path_of(appointment):
    return appointment_link(appointment).split("8000", 1)[-1].split("testserver", 1)[-1]


def test_client_confirms_through_their_link_and_the_calendar_shows_it(
    client, rita_client, appointment_a, tomorrow_9
):
    url = path_of(appointment_a)
    page = client.get(url)
    assert page.status_code == 200
    assert appointment_a.patient.name in page.content.decode()
    client.post(url, {"action": "confirm"})
    appointment_a.refresh_from_db()
    assert appointment_a.confirmed_at is not None
    calendar = rita_client.get(reverse("calendar"), {"date": tomorrow_9.date().isoformat()})
    assert "✓" in calendar.content.decode()


def test_client_cancels_through_their_link(client, appointment_a):
    client.post(path_of(appointment_a), {"action": "cancel"})
    appointment_a.refresh_from_db()
    assert appointment_a.status == Appointment.Status.CANCELLED
    assert "link" in appointment_a.cancel_reason


def test_a_forged_or_mangled_link_is_404(client, appointment_a):
    url = path_of(appointment_a)
    assert client.get(url[:-5] + "xxxx/").status_code == 404
    assert len(url.strip("/").split("/")[-1]) == 12
    assert client.get("/a/not-a-token/").status_code == 404


def test_the_link_page_speaks_the_practices_language(client, appointment_a):
    content = client.get(path_of(appointment_a)).content.decode()
    assert 'lang="nl"' in content
    assert "Uw afspraak" in content


def test_a_cancelled_appointment_cannot_be_confirmed(client, appointment_a):
    url = path_of(appointment_a)
    client.post(url, {"action": "cancel"})
    client.post(url, {"action": "confirm"})
    appointment_a.refresh_from_db()
    assert appointment_a.confirmed_at is None


def test_the_link_page_shows_the_time_at_the_location_not_utc(client, appointment_a):
    # appointment_a is at 09:00 in Amsterdam, 07:00 or 08:00 UTC
    assert "09:00" in client.get(path_of(appointment_a)).content.decode()
