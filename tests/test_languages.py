"""Whose language a page, a message or a date speaks (issue 13, 'Languages').

Staff: their own language, chosen once and kept; a new member starts in the practice's.
Clients: their own language for their messages and link pages, else the practice's.
The public page: the practice's language, with a switch.
"""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone, translation

from messaging.dispatch import dispatch_due_messages
from messaging.links import appointment_link
from messaging.models import Message, MessagingSettings
from messaging.services import templates_install_defaults
from patients.models import Client
from practice.languages import long_date
from practice.models import StaffProfile

from . import factories as f


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[-1].split("/", 1)[-1]


# -- staff ------------------------------------------------------------------------------


def test_a_staff_member_keeps_the_language_they_chose(client, receptionist, location_a):
    # given: Rita works in Dutch practice A and chooses Russian on her settings page
    client.force_login(receptionist.user)
    response = client.post(reverse("my-settings"), {"language": "ru", "next": "/calendar/"})
    assert response.status_code == 302
    assert StaffProfile.objects.get(user=receptionist.user).language == "ru"
    # when: she comes back from another browser that asks for English
    other = Browser()
    other.force_login(receptionist.user)
    page = other.get(reverse("calendar"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # then: the pages speak Russian
    assert 'lang="ru"' in page
    assert "Календарь" in page


def test_the_topbar_language_switch_saves_the_members_language(rita_client, receptionist):
    page = rita_client.get(reverse("calendar")).content.decode()
    assert f'action="{reverse("my-settings")}"' in page
    rita_client.post(reverse("my-settings"), {"language": "fi", "next": reverse("calendar")})
    assert StaffProfile.objects.get(user=receptionist.user).language == "fi"
    assert "Kalenteri" in rita_client.get(reverse("calendar")).content.decode()


def test_a_new_member_starts_in_the_practices_language(client, practice_b, location_b):
    # given: a new receptionist of the Finnish practice who has chosen nothing
    member = f.MembershipFactory(
        practice=practice_b, user=f.UserFactory(language=""), role="reception"
    )
    client.force_login(member.user)
    # when: their browser asks for English
    page = client.get(reverse("calendar"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # then: the practice's Finnish
    assert 'lang="fi"' in page
    assert "Kalenteri" in page
    assert not StaffProfile.objects.filter(user=member.user).exists()


def test_choosing_the_practices_language_again_follows_the_practice(rita_client, receptionist):
    rita_client.post(reverse("my-settings"), {"language": ""})
    assert StaffProfile.objects.get(user=receptionist.user).language == ""
    assert 'lang="nl"' in rita_client.get(reverse("calendar")).content.decode()


def test_my_settings_refuses_a_language_we_do_not_offer(rita_client, receptionist):
    response = rita_client.post(reverse("my-settings"), {"language": "xx"})
    assert response.status_code == 422
    assert StaffProfile.objects.get(user=receptionist.user).language == "en"


def test_my_settings_page_lists_each_language_in_its_own_name(rita_client):
    page = rita_client.get(reverse("my-settings")).content.decode()
    for name in ("Nederlands", "Italiano", "Русский", "Suomi", "English"):
        assert name in page


def test_my_settings_needs_a_login(client):
    response = client.get(reverse("my-settings"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.django_db
def test_the_finnish_demo_reception_starts_in_finnish_and_its_rooms_have_finnish_names(client):
    from django.core.management import call_command

    from appointments.models import TreatmentPlan
    from crm.models import ChannelGroup
    from practice.models import Practice, Room

    call_command("seed_demo", "--clients", "20", verbosity=0)
    vet = Practice.objects.get(slug="elainklinikka-kivi")
    rooms = set(Room.objects.unscoped().filter(practice=vet).values_list("name", flat=True))
    assert "Vastaanottohuone" in rooms
    assert any(name.startswith("Toimenpidehuone ") for name in rooms)
    assert not any("kamer" in name for name in rooms)
    # and the rest of its own words: treatment plans, ad channels
    plans = set(
        TreatmentPlan.objects.unscoped().filter(practice=vet).values_list("title", flat=True)
    )
    assert plans <= {"Hoitosuunnitelma", "Suunnitelma"}
    groups = set(
        ChannelGroup.objects.unscoped().filter(practice=vet).values_list("name", flat=True)
    )
    assert {"Puhelin", "Hakumainonta"} <= groups
    assert "Context ads" not in groups
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="vastaanotto"))
    page = client.get(reverse("calendar"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="fi"' in page
    assert "Kalenteri" in page


# -- clients ----------------------------------------------------------------------------


@pytest.fixture
def email_on(practice_a):
    MessagingSettings.objects.unscoped().create(
        practice=practice_a, confirmation_enabled=True, reminder_enabled=True
    )
    templates_install_defaults(practice_a)


def _confirmation_to(client_row, appointment, practice):
    return Message.objects.unscoped().create(
        practice=practice,
        appointment=appointment,
        client=client_row,
        kind="confirmation",
        channel="email",
        recipient=client_row.email,
        due_at=timezone.now(),
        idempotency_key=f"lang:{appointment.pk}",
    )


def test_a_clients_messages_speak_their_language(email_on, practice_a, appointment_a):
    # given: a Russian-speaking client of the Dutch practice
    client_row = appointment_a.client
    Client.objects.unscoped().filter(pk=client_row.pk).update(
        language="ru", email="anna@example.nl"
    )
    client_row.refresh_from_db()
    message = _confirmation_to(client_row, appointment_a, practice_a)
    # when
    dispatch_due_messages()
    # then: the email is in Russian, the date in the genitive
    message.refresh_from_db()
    assert message.status != "failed", message.error
    with translation.override("ru"):
        day = long_date(appointment_a.starts_at.astimezone(appointment_a.location.tz))
    assert day in message.body
    assert "Подтверждаем запись" in message.body  # the Russian template
    assert mail.outbox[-1].body == message.body


def test_a_client_without_a_language_gets_the_practices(email_on, practice_a, appointment_a):
    client_row = appointment_a.client
    Client.objects.unscoped().filter(pk=client_row.pk).update(email="anna@example.nl")
    client_row.refresh_from_db()
    message = _confirmation_to(client_row, appointment_a, practice_a)
    dispatch_due_messages()
    message.refresh_from_db()
    with translation.override("nl"):
        day = long_date(appointment_a.starts_at.astimezone(appointment_a.location.tz))
    assert day in message.body


def test_the_link_page_speaks_the_clients_language(client, appointment_a):
    Client.objects.unscoped().filter(pk=appointment_a.client_id).update(language="fi")
    page = client.get(_path(appointment_link(appointment_a))).content.decode()
    assert 'lang="fi"' in page
    assert "Uw afspraak" not in page


def test_the_link_page_speaks_the_practices_language_otherwise(client, appointment_a):
    page = client.get(_path(appointment_link(appointment_a))).content.decode()
    assert 'lang="nl"' in page


def test_the_booking_link_in_a_message_opens_in_the_clients_language(practice_a):
    from messaging.links import online_booking_link

    assert online_booking_link(practice_a, language="fi").endswith("?lang=fi")
    assert "?lang" not in online_booking_link(practice_a, language="nl")


def test_reception_sets_a_clients_language_on_the_client_form(rita_client, patient_a):
    client_row = patient_a.client
    url = reverse("client-edit", args=[client_row.pk])
    page = rita_client.get(url).content.decode()
    assert 'name="language"' in page
    assert "The practice&#x27;s language" in page or "The practice's language" in page
    data = {
        "first_name": client_row.first_name,
        "last_name": client_row.last_name,
        "language": "it",
    }
    response = rita_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    client_row.refresh_from_db()
    assert client_row.language == "it"


def test_another_practices_client_language_cannot_be_set(rita_client, patient_b):
    url = reverse("client-edit", args=[patient_b.client_id])
    assert rita_client.post(url, {"first_name": "X", "language": "ru"}).status_code == 404
    patient_b.client.refresh_from_db()
    assert patient_b.client.language == ""


# -- the public page --------------------------------------------------------------------


def test_the_public_page_speaks_the_practices_language(client, practice_b, location_b):
    page = client.get(f"/p/{practice_b.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="fi"' in page
    assert "Varaa aika" in page


def test_the_public_page_has_a_language_switch(client, practice_b, location_b):
    page = client.get(f"/p/{practice_b.slug}/").content.decode()
    for code in ("en", "nl", "it", "ru", "fi"):
        assert f'hreflang="{code}"' in page
    assert 'aria-current="true"' in page
    dutch = client.get(f"/p/{practice_b.slug}/?lang=nl")
    assert "Afspraak maken" in dutch.content.decode()
    # the choice is kept for the booking pages that follow
    assert dutch.cookies["django_language"].value == "nl"


# -- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "понедельник 30 ноября 2026"),
        ("fi", "maanantai 30. marraskuuta 2026"),
        ("nl", "maandag 30 november 2026"),
        ("it", "lunedì 30 novembre 2026"),  # lower case, not Django's "Novembre"
    ],
)
def test_a_long_date_reads_as_each_language_writes_it(language, expected):
    with translation.override(language):
        assert long_date(dt.date(2026, 11, 30)) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "понедельник 30 ноября"),
        ("fi", "maanantai 30. marraskuuta"),
        ("it", "lunedì 30 novembre"),
    ],
)
def test_a_day_without_its_year_reads_as_each_language_writes_it(language, expected):
    from practice.languages import weekday_day_month

    with translation.override(language):
        assert weekday_day_month(dt.date(2026, 11, 30)) == expected


def test_russian_dates_use_the_genitive_on_the_calendar(rita_client, receptionist, location_a):
    StaffProfile.objects.filter(user=receptionist.user).update(language="ru")
    page = rita_client.get(reverse("calendar"), {"date": "2026-11-30"}).content.decode()
    assert "30 ноября 2026" in page
    assert "Ноябрь 2026" not in page
