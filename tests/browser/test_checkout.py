"""The issue's 'done when': a receptionist checks a patient out with a failed payment and a
postponed mobile; the manager sees both in the report and in the failed workflow details."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from departure_workflow.models import DepartureAction, DepartureWorkflow, FailureReason, Outcome
from patients.models import Client

from .. import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, url, username):
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button.primary")
    page.wait_for_url("**/calendar/**")


def test_checkout_with_failed_payment_and_postponed_mobile_shows_in_the_report(
    live_server, browser, page, receptionist, director, dentist, location_a, ctype_a, patient_a
):
    ctype_a.fee = Decimal("45.00")
    ctype_a.save()
    Client.objects.unscoped().filter(pk=patient_a.client_id).update(mobile="")
    today = timezone.localdate(timezone=location_a.tz)
    # Already begun (a visit cannot be completed before its start), and today.
    midnight = dt.datetime.combine(today, dt.time(0), tzinfo=location_a.tz)
    start = max(
        midnight, timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    )
    appointment = f.AppointmentFactory(
        practice=patient_a.practice,
        patient=patient_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        status="arrived",
    )

    # Rita completes the appointment from the calendar and opens the checkout.
    _log_in(page, live_server.url, "rita")
    page.goto(f"{live_server.url}/calendar/?location={location_a.pk}&date={today}")
    page.click(f"[data-appointment='{appointment.pk}']")
    page.click("#panel button:has-text('Completed')")
    # The panel stays open, says what changed for whom, and offers the checkout.
    page.wait_for_selector(f"text=Marked {patient_a.name} as completed.")
    page.click("#panel a:has-text('Check out')")
    page.wait_for_selector("#action-payment")
    assert "45.00" in page.inner_text("#action-payment")

    # Mobile: 'prompt in 12 months'; consent: yes. The payment is left undone.
    page.click("#action-mobile button:has-text('Prompt in 12 months')")
    page.wait_for_selector("#action-mobile .badge:has-text('Postponed')")
    page.click("#action-marketing_consent button:has-text('Yes, agrees')")
    page.wait_for_selector("#action-marketing_consent .badge:has-text('Done')")

    # Completing without a reason for the payment is refused, naming it.
    page.click("button:has-text('Complete checkout')")
    page.wait_for_selector(".form-errors:has-text('Take Payment')")
    assert DepartureWorkflow.objects.unscoped().get(appointment=appointment).is_open
    reason = (
        FailureReason.objects.unscoped().filter(practice=patient_a.practice, kind="payment").first()
    )
    page.select_option("#action-payment .failure-fields select", label=reason.label)
    page.click("button:has-text('Complete checkout')")
    page.wait_for_selector("text=Checkout of")
    outcomes = dict(
        DepartureAction.objects.unscoped()
        .filter(workflow__appointment=appointment)
        .values_list("kind", "outcome")
    )
    assert outcomes["payment"] == Outcome.FAILED
    assert outcomes["mobile"] == Outcome.POSTPONED

    # Dora, the director, reads the report.
    manager = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _log_in(manager, live_server.url, "dora")
    manager.click("nav >> text=Reports")
    manager.wait_for_selector(".report-table")
    payment_row = manager.locator(".report-table tr", has_text="Take Payment")
    assert f"{reason.label}: 1" in payment_row.inner_text()
    cells = payment_row.locator("td").all_inner_texts()
    assert cells[:7] == ["1", "0", "0.0", "1", "100.0", "0", "0.0"]
    mobile_row = manager.locator(".report-table tr", has_text="Collect Mobile")
    assert "Ask again in 12 months: 1" in mobile_row.inner_text()
    failed_row = manager.locator(".failed-table tbody tr", has_text=patient_a.name)
    assert "Take Payment" in failed_row.inner_text()
    failed_row.locator("a:has-text('Open')").click()
    # The appointment's day in the calendar, with its panel open.
    manager.wait_for_url(f"**/calendar/?**open={appointment.pk}")
    manager.wait_for_selector(f"#panel:not([hidden]) >> text={patient_a.name}")
