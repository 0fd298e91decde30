"""Workflow notes (why a step was skipped, why an enrolment ended) are stored as codes and
read in the reader's language: a Finnish and a Dutch manager each read the same row in
their own. Notes written before codes show as stored."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from appointments.services import appointment_book
from marketing_workflows import services
from marketing_workflows.models import Enrolment, StepRun
from practice.models import StaffProfile
from practice.scoping import for_practice

from .conftest import crit, email, make_patient, pause

pytestmark = pytest.mark.django_db

ROMA = [crit("patient", "city", "eq", "Roma")]
ALWAYS = {"window_start": dt.time(0), "window_end": dt.time(0)}


def _in(language, msgid):
    with translation.override(language):
        text = translation.gettext(msgid)
    assert text != msgid, f"no {language} translation of {msgid!r}"
    return text


def _read(client, member, url, language):
    # The reader's own choice of language (it wins over a cookie).
    StaffProfile.objects.update_or_create(user=member.user, defaults={"language": language})
    client.force_login(member.user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_skipped_steps_reason_reads_in_each_readers_language(client, practice_a, director, live):
    # given: a client without marketing consent; the worker skipped her email step
    rosa = make_patient(practice_a, name="Rosa", city="Roma", marketing_consent=False)
    with translation.override("en"):  # the worker's language, whichever it was
        live(ROMA, [email()], **ALWAYS)
        services.workflow_steps_run_due()
    run = for_practice(StepRun, practice_a).get()
    assert run.state == StepRun.State.SKIPPED
    msgid = "The client has not agreed to news and offers (marketing consent)."
    url = reverse("patient-workflows", args=[rosa.pk])
    # when / then: the same row, read in Finnish and in Dutch
    assert _in("fi", msgid) in _read(client, director, url, "fi")
    dutch = _read(client, director, url, "nl")
    assert _in("nl", msgid) in dutch
    assert msgid not in dutch


def test_a_goal_reached_note_reads_in_each_readers_language_on_the_workflow_page(
    client, practice_a, director, live, dentist, location_a, ctype_a,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    workflow = live(ROMA, [email(), pause(days=7), email()], goal="booked_appointment", **ALWAYS)
    services.workflow_steps_run_due()
    start = timezone.now() + dt.timedelta(days=3)
    with translation.override("it"), django_capture_on_commit_callbacks(execute=True):
        appointment_book(
            practice_a, actor=director.user, patient=rosa, practitioner=dentist,
            location=location_a, consultation_type=ctype_a, starts_at=start,
        )  # fmt: skip
    assert for_practice(Enrolment, practice_a).get().state == Enrolment.State.GOAL_REACHED
    msgid = "Goal reached: booked an appointment."
    url = reverse("workflow-detail", args=[workflow.pk])
    assert _in("fi", msgid) in _read(client, director, url, "fi")
    assert _in("nl", msgid) in _read(client, director, url, "nl")
    panel = reverse("patient-workflows", args=[rosa.pk])
    assert _in("fi", msgid) in _read(client, director, panel, "fi")


def test_a_note_written_before_codes_is_shown_as_stored(client, practice_a, director, live):
    rosa = make_patient(practice_a, name="Rosa", city="Roma", marketing_consent=False)
    live(ROMA, [email()], **ALWAYS)
    services.workflow_steps_run_due()
    for_practice(StepRun, practice_a).update(note="Asiakas ei ole antanut suostumusta.")
    html = _read(client, director, reverse("patient-workflows", args=[rosa.pk]), "nl")
    assert "Asiakas ei ole antanut suostumusta." in html
