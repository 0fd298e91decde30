"""Staff set, move and remove a patient's recalls from the patient card (the same service as
/api/v1/recalls/: one recall of each kind, a date in range, an audit row)."""

import datetime as dt

import pytest
from django.urls import reverse

from appointments.models import Recall
from practice.models import AuditLog

DUE = dt.date(2030, 6, 3)


def _recalls(patient):
    return Recall.objects.unscoped().filter(patient=patient)


@pytest.fixture
def recall_a(patient_a):
    return Recall.objects.unscoped().create(
        practice=patient_a.practice, patient=patient_a, kind="dentist", due_date=DUE
    )


@pytest.fixture
def recall_b(patient_b):
    return Recall.objects.unscoped().create(
        practice=patient_b.practice, patient=patient_b, kind="dentist", due_date=DUE
    )


def test_the_patient_card_offers_to_add_a_recall(rita_client, patient_a):
    card = rita_client.get(reverse("patient-card", args=[patient_a.pk])).content.decode()
    assert reverse("recall-add", args=[patient_a.pk]) in card
    assert "No recalls." in card


def test_staff_add_a_recall_from_the_patient_card(rita_client, patient_a):
    url = reverse("recall-add", args=[patient_a.pk])
    assert rita_client.get(url).status_code == 200
    response = rita_client.post(
        url, {"kind": "hygienist", "due_date": "2030-06-03", "to_book": "on"}
    )
    assert response.status_code == 302
    [recall] = _recalls(patient_a)
    assert (recall.kind, recall.due_date, recall.to_book) == ("hygienist", DUE, True)
    assert AuditLog.objects.unscoped().filter(action="recall.create", object_id=recall.pk).exists()
    card = rita_client.get(response.url).content.decode()
    assert "Hygienist recall" in card
    assert reverse("recall-edit", args=[recall.pk]) in card


def test_a_second_recall_of_a_kind_shows_the_reason_on_the_form(rita_client, patient_a, recall_a):
    response = rita_client.post(
        reverse("recall-add", args=[patient_a.pk]), {"kind": "dentist", "due_date": "2031-01-01"}
    )
    assert response.status_code == 200
    assert "already has a recall of this kind" in response.content.decode()
    assert _recalls(patient_a).count() == 1


@pytest.mark.parametrize("due_date", ["soon", "2999-01-01", ""])
def test_a_bad_due_date_is_a_form_error_and_nothing_saved(rita_client, patient_a, due_date):
    response = rita_client.post(
        reverse("recall-add", args=[patient_a.pk]), {"kind": "dentist", "due_date": due_date}
    )
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not _recalls(patient_a).exists()


def test_moving_a_recall_keeps_its_kind(rita_client, recall_a):
    url = reverse("recall-edit", args=[recall_a.pk])
    page = rita_client.get(url).content.decode()
    assert 'name="kind"' not in page
    response = rita_client.post(url, {"due_date": "2030-09-01", "kind": "hygienist"})
    assert response.status_code == 302
    recall_a.refresh_from_db()
    assert (recall_a.kind, recall_a.due_date, recall_a.to_book) == (
        "dentist",
        dt.date(2030, 9, 1),
        False,
    )


def test_removing_a_recall(rita_client, recall_a):
    url = reverse("recall-remove", args=[recall_a.pk])
    assert rita_client.get(url).status_code == 405
    response = rita_client.post(url)
    assert response.status_code == 302
    assert not Recall.objects.unscoped().filter(pk=recall_a.pk).exists()
    assert (
        AuditLog.objects.unscoped().filter(action="recall.delete", object_id=recall_a.pk).exists()
    )


def test_another_practices_patient_or_recall_answers_404(
    rita_client, patient_a, patient_b, recall_b
):
    add_b = reverse("recall-add", args=[patient_b.pk])
    assert rita_client.get(add_b).status_code == 404
    assert rita_client.post(add_b, {"kind": "dentist", "due_date": "2030-01-01"}).status_code == 404
    edit_b = reverse("recall-edit", args=[recall_b.pk])
    assert rita_client.get(edit_b).status_code == 404
    assert rita_client.post(edit_b, {"due_date": "2031-01-01"}).status_code == 404
    assert rita_client.post(reverse("recall-remove", args=[recall_b.pk])).status_code == 404
    recall_b.refresh_from_db()
    assert recall_b.due_date == DUE
    assert not _recalls(patient_b).exclude(pk=recall_b.pk).exists()
