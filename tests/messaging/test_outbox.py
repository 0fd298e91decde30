"""Messaging's one way in: queue by kind and channel or the client's best channel, one
'dispatch soon', the usable channels decided once; news and offers need consent, carry an
unsubscribe link and header, and the unsubscribe page withdraws consent."""

import ast
import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from messaging import errors, outbox
from messaging.dispatch import dispatch_due_messages
from messaging.links import unsubscribe_link
from messaging.models import Kind, Message, SmsGateway
from patients.models import Client
from practice.models import AuditLog

from .. import factories as f

pytestmark = pytest.mark.django_db

MESSAGING = Path(__file__).resolve().parents[2] / "messaging"


@pytest.fixture
def consenting(patient_a):
    client = patient_a.client
    client.marketing_consent = True
    client.save()
    return patient_a


def _marketing(practice, patient, channel, key="wf:1:1", **extra):
    return outbox.message_queue(
        practice,
        key=key,
        client=patient.client,
        patient=patient,
        kind=Kind.MARKETING,
        channel=channel,
        subject=extra.pop("subject", "Time for a check-up, {patient}"),
        body=extra.pop("body", "Book at {booking_link}. Stop: {unsubscribe_link}"),
        **extra,
    )


# -- one place decides the channels ------------------------------------------------------


def test_a_usable_mobile_comes_first_and_only_when_the_practice_can_send_sms(patient_a):
    client = patient_a.client
    assert client.usable_channels(sms=True) == ["sms", "email"]
    assert client.usable_channels(sms=False) == ["email"]


@pytest.mark.parametrize("flag", ["sms_opted_out", "mobile_is_landline"])
def test_an_opted_out_or_landline_number_is_not_a_channel(patient_a, flag):
    setattr(patient_a.client, flag, True)
    assert patient_a.client.usable_channels(sms=True) == ["email"]


def test_best_channel_is_sms_with_a_gateway_else_email_else_nothing(
    practice_a, patient_a, messaging_on
):
    assert outbox.best_channel(practice_a, patient_a.client) == "sms"
    SmsGateway.objects.unscoped().filter(practice=practice_a).delete()
    assert outbox.best_channel(practice_a, patient_a.client) == "email"
    patient_a.client.email = ""
    assert outbox.best_channel(practice_a, patient_a.client) == ""


def test_queueing_for_the_best_channel_with_none_usable_queues_nothing(practice_a, patient_a):
    Client.objects.unscoped().filter(pk=patient_a.client_id).update(email="")
    patient_a.client.refresh_from_db()
    assert _marketing(practice_a, patient_a, outbox.BEST) is None
    assert not Message.objects.unscoped().exists()


def test_the_waitlist_and_the_booking_link_ask_the_same_rule(practice_a, patient_a, messaging_on):
    from appointments.waitlist import _offer_channel

    client = patient_a.client
    client.mobile_is_landline = True
    assert _offer_channel(client, sms_ok=True) == "email"
    assert outbox.best_channel(practice_a, client) == "email"


# -- news and offers -------------------------------------------------------------------


def test_news_and_offers_without_marketing_consent_fail_with_the_reason(
    practice_a, patient_a, messaging_on
):
    message = _marketing(practice_a, patient_a, "email")
    assert message.status == Message.Status.FAILED
    assert message.error_code == errors.NO_CONSENT


def test_queueing_twice_under_one_key_finds_the_first_message(practice_a, consenting, messaging_on):
    first = _marketing(practice_a, consenting, "email")
    again = _marketing(practice_a, consenting, "email", body="Another text")
    assert again.pk == first.pk
    assert Message.objects.unscoped().count() == 1


def test_a_workflow_email_is_rendered_with_its_own_text_and_an_unsubscribe_header(
    practice_a, consenting, messaging_on
):
    # The link is signed with the second it was made: the clock stands still, so the one
    # made here is the one the email carries.
    with time_machine.travel(timezone.now(), tick=False):
        message = _marketing(practice_a, consenting, "email")
        assert message.status == Message.Status.SCHEDULED
        dispatch_due_messages()
        message.refresh_from_db()
        link = unsubscribe_link(consenting.client)
    assert message.status == Message.Status.SENT
    assert message.subject == f"Time for a check-up, {consenting.name}"
    assert link in message.body
    assert "/p/centrum/book/" in message.body
    [email] = mail.outbox
    assert email.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_an_appointment_email_carries_no_unsubscribe_header(
    practice_a, patient_a, messaging_on, dentist, location_a, ctype_a
):
    client = patient_a.client
    client.confirmation_channel = "email"
    client.save()
    start = dt.datetime(2030, 1, 7, 9, tzinfo=location_a.tz)
    appointment = f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )
    outbox.message_queue(
        practice_a,
        key="t:1",
        client=client,
        kind=Kind.CONFIRMATION,
        channel="email",
        consultation_type_id=ctype_a.pk,
        appointment=appointment,
    )
    dispatch_due_messages()
    [email] = mail.outbox
    assert "List-Unsubscribe" not in email.extra_headers


def test_a_workflow_sms_goes_to_the_best_channel_and_counts_its_segments(
    practice_a, consenting, messaging_on
):
    message = _marketing(practice_a, consenting, outbox.BEST, body="Hello {patient}")
    assert message.channel == "sms"
    dispatch_due_messages()
    message.refresh_from_db()
    assert message.body == f"Hello {consenting.name}"
    assert message.segments == 1


# -- unsubscribe -----------------------------------------------------------------------


def _path(client) -> str:
    return unsubscribe_link(client).split("8000", 1)[-1]


def test_the_unsubscribe_page_asks_then_withdraws_consent_with_an_audit_row(
    client, practice_a, consenting
):
    page = client.get(_path(consenting.client))
    assert page.status_code == 200
    assert "Afmelden" in page.content.decode()  # the practice's language (Dutch)
    done = client.post(_path(consenting.client))
    assert "geen nieuws en aanbiedingen meer" in done.content.decode()
    consenting.client.refresh_from_db()
    assert consenting.client.marketing_consent is False
    assert AuditLog.objects.unscoped().filter(action="client.consent").count() == 1
    client.post(_path(consenting.client))  # the mail program's one-click after the page's
    assert AuditLog.objects.unscoped().filter(action="client.consent").count() == 1


def test_one_click_unsubscribe_works_without_our_csrf_token(practice_a, consenting):
    browser = BrowserClient(enforce_csrf_checks=True)
    response = browser.post(_path(consenting.client), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    consenting.client.refresh_from_db()
    assert consenting.client.marketing_consent is False


def test_a_forged_or_damaged_unsubscribe_link_answers_404(client, consenting):
    path = _path(consenting.client)
    assert client.get(path[:-6] + "xxxxx/").status_code == 404
    assert client.get(reverse("unsubscribe", args=["not-a-token"])).status_code == 404


def test_after_unsubscribing_news_and_offers_fail_but_appointments_go_on(
    client, practice_a, consenting, messaging_on
):
    client.post(_path(consenting.client))
    consenting.client.refresh_from_db()
    message = _marketing(practice_a, consenting, "email", key="wf:1:2")
    assert message.error_code == errors.NO_CONSENT
    assert outbox.failure_before_sending(
        practice_a,
        client=consenting.client,
        kind=Kind.REMINDER,
        channel="email",
        consultation_type_id=None,
    ) in ("", errors.NO_TEMPLATE)


def test_news_queued_before_the_client_unsubscribed_is_not_sent(
    client, practice_a, consenting, messaging_on
):
    # given: a workflow's email is queued while she still consents
    message = _marketing(practice_a, consenting, "email", key="wf:1:3")
    assert message.status == Message.Status.SCHEDULED
    # when: she unsubscribes before the dispatcher gets to it
    client.post(_path(consenting.client))
    dispatch_due_messages()
    # then: it fails with the reason, and nothing was sent
    message.refresh_from_db()
    assert (message.status, message.error_code) == (Message.Status.FAILED, errors.NO_CONSENT)
    assert mail.outbox == []


def test_a_subject_made_too_long_by_its_placeholders_is_cut_and_kept_as_it_was_sent(
    practice_a, consenting, messaging_on
):
    consenting.name = "Bartholomew-Maximilian " * 4
    consenting.save()
    message = _marketing(
        practice_a, consenting, "email", key="wf:1:5", subject="x" * 190 + "{patient}"
    )
    dispatch_due_messages()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert len(message.subject) == 200
    assert mail.outbox[0].subject == message.subject


def test_an_sms_queued_before_the_client_opted_out_is_not_sent(
    practice_a, consenting, messaging_on
):
    message = _marketing(practice_a, consenting, "sms", key="wf:1:4")
    assert message.status == Message.Status.SCHEDULED
    Client.objects.unscoped().filter(pk=consenting.client_id).update(sms_opted_out=True)
    dispatch_due_messages()
    message.refresh_from_db()
    assert (message.status, message.error_code) == (Message.Status.FAILED, errors.OPTED_OUT)


# -- one way in, no hidden cycle --------------------------------------------------------


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """Messaging modules `path` imports at its top, and those it imports inside functions."""
    tree = ast.parse(path.read_text())
    top, nested = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [node.module] if node.module else [a.name for a in node.names]
            inside = node not in tree.body
            (nested if inside else top).update(n.split(".")[0] for n in names)
    return top, nested


def test_messaging_modules_import_each_other_without_a_cycle_or_a_hidden_import():
    graph, hidden = {}, {}
    for path in MESSAGING.glob("*.py"):
        top, nested = _imports(path)
        graph[path.stem] = top
        if nested and path.stem != "apps":  # apps.ready() connects receivers: Django's way
            hidden[path.stem] = nested
    assert hidden == {}

    def reaches(start, goal, seen=()):
        return any(
            n == goal or (n not in seen and reaches(n, goal, (*seen, n)))
            for n in graph.get(start, ())
        )

    assert [m for m in graph if reaches(m, m)] == []


def test_the_template_preview_does_not_give_an_appointment_its_link_code(
    rita_client, appointment_a, messaging_on
):
    page = rita_client.get(reverse("messaging-settings"))
    assert page.status_code == 200
    assert Appointment.objects.unscoped().get(pk=appointment_a.pk).link_code is None
