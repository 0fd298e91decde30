"""The issue's 'done when': a client books a pet's vaccination from a phone-sized window;
the appointment shows in the practice calendar with its confirmation in the message list,
and booking the same time again is refused politely."""

import pytest

from appointments.models import Appointment
from messaging.models import Message, MessagingSettings
from messaging.services import templates_install_defaults
from online_booking.models import OnlineLocation

from .. import factories as f
from ..online_booking.conftest import open_for_online

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def vaccination(practice_b, location_b, vet_b):
    ctype = f.ConsultationTypeFactory(
        practice=practice_b, name="Rokotus", category="vaccination", duration_minutes=20
    )
    reason = open_for_online(practice_b, location_b, vet_b, ctype, species="dog")
    reason.name, reason.instructions = "Koiran rokotus", "Ota mukaan rokotuskortti."
    reason.save()
    OnlineLocation.objects.unscoped().filter(location=location_b).update(asks_species=True)
    MessagingSettings.objects.unscoped().create(
        practice=practice_b, confirmation_enabled=True, confirmation_sms=False
    )
    templates_install_defaults(practice_b)
    return reason


def _fill_details(page, first_name, email):
    page.fill("#id_first_name", first_name)
    page.fill("#id_last_name", "Virtanen")
    page.fill("#id_mobile", "040 123 4567")
    page.fill("#id_email", email)
    page.fill("#id_patient_name", "Musti")


def test_a_client_books_a_vaccination_on_a_phone_and_reception_sees_it(
    live_server, browser, vaccination, practice_b, location_b, outsider
):
    phone = browser.new_context(viewport=PHONE, locale="fi-FI").new_page()
    phone.set_default_timeout(10_000)

    # The client opens the practice's booking page and chooses dog → vaccination.
    phone.goto(f"{live_server.url}/p/kivi/book/?lang=en")
    phone.click(".choice-list a:has-text('Dog')")
    phone.click(".choice-list a:has-text('Koiran rokotus')")
    assert "Ota mukaan rokotuskortti." in phone.inner_text(".instructions")
    for _ in range(2):  # the next free weekday may be in next month
        if phone.locator("a.day.free").count():
            break
        phone.click("a[aria-label='Next month']")
    phone.locator("a.day.free").first.click()
    phone.click("nav.chips a:has-text('Morning')")
    phone.locator("a.time-button").first.click()
    details_url = phone.url

    # Details: one pet, confirmation by email; 'remember me' keeps them on the device.
    _fill_details(phone, "Aino", "aino@example.fi")
    phone.check("#id_remember")
    phone.click("button:has-text('Confirm booking')")
    phone.wait_for_selector(".booked .ok-mark")
    assert "Musti" in phone.inner_text(".booked")
    assert phone.locator("a[href$='appointment.ics']").count() == 1

    appointment = Appointment.objects.unscoped().get()
    assert appointment.source == Appointment.Source.ONLINE
    assert appointment.patient.species == "dog"
    assert Message.objects.unscoped().filter(appointment=appointment, kind="confirmation").exists()

    # Reception opens the calendar on that day: the booking is there, with its message.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk.goto(f"{live_server.url}/login/")
    desk.fill("#id_username", "otto")
    desk.fill("#id_password", "pw")
    desk.click("button.primary")
    day = appointment.starts_at.astimezone(location_b.tz).date()
    desk.goto(f"{live_server.url}/calendar/?location={location_b.pk}&date={day}&lang=en")
    desk.click(f"[data-appointment='{appointment.pk}']")
    desk.wait_for_selector("#panel .message-list .msg")
    panel = desk.inner_text("#panel")
    assert "Musti" in panel
    assert "aino@example.fi" in panel

    # A second client who had the same time open confirms it: refused, with other times.
    other = browser.new_context(viewport=PHONE).new_page()
    other.goto(details_url + "&lang=en")
    _fill_details(other, "Eero", "eero@example.fi")
    other.click("button:has-text('Confirm booking')")
    other.wait_for_selector(".form-errors")
    assert "just taken" in other.inner_text(".form-errors")
    assert other.locator(".alternatives button.time-button").count() >= 1
    assert Appointment.objects.unscoped().count() == 1

    # Back on the first phone, 'remember me' fills the form for the next booking.
    phone.goto(details_url)
    assert phone.input_value("#id_first_name") == "Aino"
    assert phone.input_value("#id_patient_name") == "Musti"
