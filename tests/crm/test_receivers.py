"""The contact history follows its inputs: a client's new number, a waitlist entry added
or closed (who added it is recorded), through the pages staff use."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import WaitlistEntry
from crm.models import Communication, Contact

from .derived import comm

pytestmark = pytest.mark.django_db
NEW_NUMBER = "+31687654321"


def test_a_client_given_the_number_of_an_earlier_caller_takes_over_their_calls(
    rita_client, practice_a, patient_a, django_capture_on_commit_callbacks
):
    # given: a call today from a number on nobody's card
    call = comm(practice_a, phone_raw=NEW_NUMBER, phone_e164=NEW_NUMBER)
    assert call.client_id is None
    # when: reception puts that number on Anna's card
    with django_capture_on_commit_callbacks(execute=True):
        response = rita_client.post(
            reverse("client-edit", args=[patient_a.client_id]),
            {"first_name": "Anna", "last_name": "de Vries", "mobile": "06 8765 4321"},
        )
    assert response.status_code == 302
    # then: the call is Anna's, in her contact; the unknown number's contact is gone
    call.refresh_from_db()
    assert call.client_id == patient_a.client_id
    contact = Contact.objects.unscoped().get(pk=call.contact_id)
    assert contact.person_key == f"client:{patient_a.client_id}"
    assert not Contact.objects.unscoped().filter(person_key=f"phone:{NEW_NUMBER}").exists()


def test_a_client_whose_number_changes_loses_the_old_numbers_calls(
    rita_client, practice_a, patient_a, django_capture_on_commit_callbacks
):
    call = comm(practice_a)  # from Anna's number
    assert call.client_id == patient_a.client_id
    with django_capture_on_commit_callbacks(execute=True):
        rita_client.post(
            reverse("client-edit", args=[patient_a.client_id]),
            {"first_name": "Anna", "last_name": "de Vries", "mobile": NEW_NUMBER},
        )
    call.refresh_from_db()
    assert call.client_id is None
    assert call.person_kind == Communication.PersonKind.OTHER


@pytest.fixture
def staff_admin(client, director):
    director.user.is_staff = True
    director.user.save()
    client.force_login(director.user)
    return client


def test_putting_a_patient_on_the_waitlist_in_the_admin_records_who_and_books_the_contact(
    staff_admin,
    practice_a,
    director,
    patient_a,
    location_a,
    ctype_a,
    django_capture_on_commit_callbacks,
):
    # given: Dora took Anna's call
    call = comm(practice_a, employee=director)
    # when: she puts Anna on the waitlist
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_admin.post(
            reverse("admin:appointments_waitlistentry_add"),
            {
                "client": patient_a.client_id,
                "patient": patient_a.pk,
                "consultation_type": ctype_a.pk,
                "location": location_a.pk,
                "status": "open",
                "notes": "",
                "offers-TOTAL_FORMS": 0,
                "offers-INITIAL_FORMS": 0,
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = WaitlistEntry.objects.unscoped().get()
    assert entry.created_by == director.user
    contact = Contact.objects.unscoped().get(pk=call.contact_id)
    assert contact.result == Contact.Result.WAITLIST
    # when: she closes it without an appointment
    with django_capture_on_commit_callbacks(execute=True):
        staff_admin.post(
            reverse("admin:appointments_waitlistentry_change", args=[entry.pk]),
            {
                "client": patient_a.client_id,
                "patient": patient_a.pk,
                "consultation_type": ctype_a.pk,
                "location": location_a.pk,
                "status": "closed",
                "notes": "",
                "offers-TOTAL_FORMS": 0,
                "offers-INITIAL_FORMS": 0,
            },
        )
    entry.refresh_from_db()
    assert entry.closed_at is not None
    assert entry.closed_at <= timezone.now() + dt.timedelta(seconds=1)
    contact.refresh_from_db()
    assert contact.result == Contact.Result.CANCELLED
