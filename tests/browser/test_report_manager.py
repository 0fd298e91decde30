"""A manager in Italian filters the report by dates, picks columns and opens a failed
workflow; reception sees what the planned-treatment card books. Screenshots at desktop and
phone width go to screenshots/ (looked at by a person, not compared)."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from appointments.models import PlannedTreatment
from departure_workflow.models import Outcome
from departure_workflow.services import workflow_build
from patients.models import Client
from practice.models import StaffProfile

from .. import factories as f
from ..reports.test_departure_report import _action, _workflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def _log_in(browser, url, username, *, width=1280, language="it"):
    context = browser.new_context(viewport={"width": width, "height": 900})
    StaffProfile.objects.update_or_create(
        user=User.objects.get(username=username), defaults={"language": language}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button.primary")
    page.wait_for_url("**/calendar/**")
    return page


def _failed_workflows(practice, dentist, location, receptionist, patient, today):
    for hour in (9, 10, 11):
        start = dt.datetime.combine(today, dt.time(hour), tzinfo=location.tz)
        appointment = f.AppointmentFactory(
            practice=practice,
            patient=patient if hour == 9 else f.PatientFactory(practice=practice),
            practitioner=dentist,
            location=location,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
            status="completed",
        )
        wf = _workflow(practice, appointment, day=today, by=receptionist.user)
        _action(wf, "payment", Outcome.FAILED, failure_note="Terminale guasto")
        _action(wf, "mobile", Outcome.SUCCESS)
    return appointment


def test_manager_in_italian_filters_by_dates_picks_columns_and_opens_a_workflow(
    live_server, browser, director, receptionist, dentist, location_a, patient_a
):
    today = timezone.localdate(timezone=location_a.tz)
    last = _failed_workflows(
        patient_a.practice, dentist, location_a, receptionist, patient_a, today
    )
    SHOTS.mkdir(exist_ok=True)
    page = _log_in(browser, live_server.url, "dora")
    page.goto(f"{live_server.url}/reports/departure/")
    # The dates show as an Italian types them, and are taken back as they are.
    shown = today.strftime("%d/%m/%Y")
    assert page.input_value("#id_date_to") == shown
    page.fill("#id_date_from", today.replace(day=1).strftime("%d/%m/%Y"))
    page.click("button.primary")
    page.wait_for_selector(".failed-table")
    assert page.input_value("#id_date_from") == today.replace(day=1).strftime("%d/%m/%Y")
    # The picker shows the five columns on screen ticked; ticking one more adds it.
    page.click(".column-picker summary")  # closed while the usual columns show
    ticked = page.locator(".column-choices input:checked")
    assert ticked.count() == 5
    headers = page.locator(".failed-table thead th").count()
    page.check(".column-choices input[value='location']")
    page.wait_for_selector(".failed-table th:has-text('Sede')")
    assert page.locator(".failed-table thead th").count() == headers + 1
    assert page.locator(".column-choices input:checked").count() == 6
    page.uncheck(".column-choices input[value='patient']")
    page.wait_for_load_state()
    page.wait_for_selector(".column-choices input[value='patient']:not(:checked)")
    assert page.locator(".column-choices input:checked").count() == 5
    page.screenshot(path=SHOTS / "report-picker-1280.png", full_page=True)
    phone = _log_in(browser, live_server.url, "dora", width=390)
    phone.goto(page.url)  # other columns than the usual: the picker shows open
    phone.screenshot(path=SHOTS / "report-picker-390.png", full_page=True)
    # 'Apri' opens the appointment in the calendar with its panel.
    page.locator(".failed-table tbody tr").first.locator("a").last.click()
    page.wait_for_url(f"**/calendar/?**open={last.pk}")
    page.wait_for_selector("#panel:not([hidden])")
    page.screenshot(path=SHOTS / "report-open-calendar-1280.png")


def test_checkout_card_names_the_planned_treatment_and_its_fee(
    live_server, browser, receptionist, dentist, location_a, ctype_a, patient_a
):
    practice = patient_a.practice
    plan = f.TreatmentPlanFactory(practice=practice, patient=patient_a)
    for code, description, fee in (
        ("R24", "Corona superiore sinistra 6", "640.00"),
        ("V21", "Otturazione", "85.50"),
    ):
        PlannedTreatment.objects.unscoped().create(
            practice=practice,
            plan=plan,
            code=code,
            description=description,
            fee=Decimal(fee),
            to_book=True,
        )
    ctype_a.fee = Decimal("45.00")
    ctype_a.save()
    Client.objects.unscoped().filter(pk=patient_a.client_id).update(mobile="")
    today = timezone.localdate(timezone=location_a.tz)
    start = dt.datetime.combine(today, dt.time(10), tzinfo=location_a.tz)
    appointment = f.AppointmentFactory(
        practice=practice,
        patient=patient_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        status="completed",
    )
    workflow = workflow_build(practice, appointment)
    SHOTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page = _log_in(browser, live_server.url, "rita", width=width)
        page.goto(f"{live_server.url}/checkout/{workflow.pk}/")
        card = page.locator("#action-planned_treatment")
        assert "Corona superiore sinistra 6" in card.inner_text()
        assert "640,00" in card.inner_text()
        # The payment's menu offers payment reasons only.
        options = page.locator("#action-payment .failure-fields select option").all_inner_texts()
        assert len(options) > 1
        page.screenshot(path=SHOTS / f"checkout-card-{width}.png", full_page=True)
