"""The pages work under the content security policy: Chromium reports no violation and no
console error on the main pages, from the login to the API docs, and their scripts still act
(the panel opens, a click on a free time opens the form, the booking flow reaches its
summary)."""

import datetime as dt

import pytest
from django.utils import timezone

from departure_workflow.services import workflow_build
from messaging.models import MessageTemplate
from messaging.services import templates_install_defaults

from .. import factories as f
from ..online_booking.conftest import open_for_online

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.reportViolation(
    `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`
  );
});
"""


class Watched:
    """A browser page that records policy violations and console errors on every page."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.problems: list[str] = []
        page.expose_function("reportViolation", lambda text: self._note(f"CSP: {text}"))
        page.add_init_script(WATCH)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self._note(f"error: {error}"))

    def _note(self, text: str) -> None:
        self.problems.append(f"{self.page.url}: {text}")

    def _console(self, message) -> None:
        if message.type == "error":
            self._note(f"console: {message.text}")

    def visit(self, path: str, ready: str = "main") -> None:
        self.page.goto(self.base_url + path)
        self.page.wait_for_selector(ready)
        self.page.wait_for_load_state("networkidle")

    def log_in(self, username: str) -> None:
        self.visit("/login/", "#id_username")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "pw")
        self.page.click("button.primary")
        self.page.wait_for_url("**/calendar/**")


@pytest.fixture
def day_of_work(practice_a, location_a, director, dentist, ctype_a, patient_a):
    """Today: one completed appointment with its checkout open, and messaging set up."""
    director.user.is_staff = True  # a practice manager in Django admin
    director.user.save()
    templates_install_defaults(practice_a)
    start = dt.datetime.combine(
        timezone.localdate(timezone=location_a.tz), dt.time(10), tzinfo=location_a.tz
    )
    appointment = f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        status="completed",
    )
    return appointment, workflow_build(practice_a, appointment)


def test_staff_pages_run_under_the_policy_without_a_violation(
    live_server, page, day_of_work, practice_a, location_a, dentist, director, patient_a
):
    from crm.models import Task

    appointment, workflow = day_of_work
    Task.objects.unscoped().create(
        practice=practice_a, patient=patient_a, kind="recall", assignee=director
    )
    watched = Watched(page, live_server.url)
    day = appointment.starts_at.astimezone(location_a.tz).date()

    watched.log_in("dora")
    watched.visit(f"/calendar/?location={location_a.pk}&date={day}", ".calendar")
    # The layout comes from data attributes: the appointment sits where its time is.
    block = page.locator(f"[data-appointment='{appointment.pk}']")
    assert block.evaluate("el => el.style.top") == block.get_attribute("data-top") + "px"
    # The panel opens (and loads its sub-panels), then a click on a free time opens the form.
    block.click()
    page.wait_for_selector("#panel .panel-head")
    page.wait_for_load_state("networkidle")
    page.click("#panel [data-close-panel]")
    assert page.locator("#panel").is_hidden()
    column = page.locator(f".cal-col[data-practitioner='{dentist.pk}']")
    column.click(position={"x": 20, "y": 5})
    page.wait_for_selector("#panel form")

    for path, ready in [
        (f"/patients/?q={patient_a.name[:4]}", "main"),
        (f"/patients/{patient_a.pk}/", "main"),
        (f"/appointments/{appointment.pk}/", "main"),
        ("/tasks/", ".task-list"),
        (f"/patients/{patient_a.pk}/tasks/", "#patient-tasks"),
        ("/checkout/", "main"),
        (f"/checkout/{workflow.pk}/", "#checkout"),
        ("/reports/departure/", "main"),
        ("/reports/contacts/", "#history-table"),
        ("/reports/contacts/?view=grouped&level1=employee&level2=result", "main"),
        ("/settings/messaging/", "main"),
        ("/admin/", "#content"),
        (
            f"/admin/appointments/consultationtype/{appointment.consultation_type_id}/change/",
            "#content form",
        ),
        ("/api/docs/", ".swagger-ui .info"),
    ]:
        watched.visit(path, ready)
    template = MessageTemplate.objects.unscoped().filter(practice=practice_a).first()
    watched.visit(f"/settings/messaging/templates/{template.pk}/", "#template-form")

    assert watched.problems == []


def test_online_booking_through_the_summary_runs_under_the_policy(
    live_server, page, practice_a, location_a, dentist, ctype_a
):
    open_for_online(practice_a, location_a, dentist, ctype_a)
    watched = Watched(page, live_server.url)

    watched.visit(f"/p/{practice_a.slug}/book/?lang=en")
    page.click(".choice-list a:has-text('Check-up')")
    page.wait_for_load_state("networkidle")
    for _ in range(2):  # the next free weekday may be in next month
        if page.locator("a.day.free").count():
            break
        page.click("a[aria-label='Next month']")
    page.locator("a.day.free").first.click()
    page.wait_for_load_state("networkidle")
    page.locator("a.time-button").first.click()
    page.wait_for_selector("#details-form")
    page.fill("#id_first_name", "Sanne")
    page.fill("#id_last_name", "Bakker")
    page.fill("#id_mobile", "06 1234 5679")
    page.fill("#id_email", "sanne@example.nl")
    page.click("button:has-text('Confirm booking')")
    page.wait_for_selector(".booked")
    page.wait_for_load_state("networkidle")

    assert watched.problems == []


def test_marketing_pages_run_under_the_policy_and_their_htmx_buttons_act(
    live_server, page, practice_a, director, patient_a
):
    from marketing_workflows import services

    # given: an active workflow with Anna in it
    workflow = services.workflow_create(practice_a, actor=director.user, name="Recall")
    services.workflow_version_save(
        practice_a,
        actor=director.user,
        workflow=workflow,
        settings={"enrol_existing": True},
        criteria=[
            {"subject": "patient", "field": "name", "operator": "eq", "value": patient_a.name}
        ],  # fmt: skip
        steps=[{"kind": "email", "subject": "Hello", "body": "Hi {patient}"}],
    )
    services.workflow_activate(practice_a, actor=director.user, workflow=workflow)
    watched = Watched(page, live_server.url)
    watched.log_in("dora")
    # the builder: '+ Patient' adds a row in place, typing updates the preview, '+ Send SMS'
    # adds an action whose segment count follows the text
    watched.visit("/marketing/workflows/new/", "#builder")
    page.click("button[value='add-criterion:patient']")
    page.wait_for_selector("#criteria-0-field")
    page.select_option("#criteria-0-field", "city")
    page.wait_for_load_state("networkidle")
    page.fill("#criteria-0-value", patient_a.client.city)
    page.locator("#preview", has_text="1 patient matches now").wait_for()
    page.click("button[value='add-step:sms']")
    page.wait_for_selector("#steps-0-body")
    page.fill("#steps-0-body", "x" * 170)
    page.locator("#segments-0", has_text="2 SMS segments").wait_for()
    for path, ready in [
        ("/marketing/workflows/", "main"),
        (f"/marketing/workflows/{workflow.pk}/", "#enrolled"),
        (f"/marketing/workflows/{workflow.pk}/edit/", "#builder"),
        (f"/marketing/workflows/{workflow.pk}/dry-run/", "main"),
        (f"/patients/{patient_a.pk}/", "#patient-workflows"),
    ]:
        watched.visit(path, ready)

    assert watched.problems == []
