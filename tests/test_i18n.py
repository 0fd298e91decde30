import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("language", "calendar", "patients"),
    [
        ("nl", "Agenda", "Patiënten"),
        ("fi", "Kalenteri", "Potilaat"),
        ("it", "Agenda", "Pazienti"),
        ("ru", "Календарь", "Пациенты"),
    ],
)
def test_staff_pages_speak_the_users_language(
    rita_client, receptionist, location_a, language, calendar, patients
):
    from practice.models import StaffProfile

    # The member's own language (My settings), whatever the browser asks for.
    StaffProfile.objects.filter(user=receptionist.user).update(language=language)
    response = rita_client.get(reverse("calendar"), HTTP_ACCEPT_LANGUAGE="en")
    content = response.content.decode()
    assert f'lang="{language}"' in content
    assert calendar in content
    assert patients in content


def test_conflict_message_is_translated(
    rita_client, receptionist, appointment_a, location_a, dentist, ctype_a, tomorrow_9, practice_a
):
    from practice.models import StaffProfile

    from .factories import PatientFactory

    StaffProfile.objects.filter(user=receptionist.user).update(language="nl")

    other = PatientFactory(practice=practice_a)
    response = rita_client.post(
        reverse("appointment-create"),
        {
            "patient": other.pk,
            "location": location_a.pk,
            "practitioner": dentist.pk,
            "consultation_type": ctype_a.pk,
            "date": tomorrow_9.date().isoformat(),
            "start_time": "09:10",
        },
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert "Overlapt met" in " ".join(response.context["form"].non_field_errors())


def test_the_booking_page_speaks_the_practices_language(client, practice_b, location_b, vet_b):
    from .factories import ConsultationTypeFactory
    from .online_booking.conftest import open_for_online

    open_for_online(practice_b, location_b, vet_b, ConsultationTypeFactory(practice=practice_b))

    assert "Varaa aika" in client.get("/p/kivi/book/").content.decode()
    assert "Afspraak maken" in client.get("/p/kivi/book/?lang=nl").content.decode()
