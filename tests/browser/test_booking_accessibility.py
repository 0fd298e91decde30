"""The public booking page for everyone (WCAG 2.2 AA).

axe-core (the npm package, `npm ci`) runs in Chromium at phone width over every step of the
booking flow and the cancel page its summary links to (before and after cancelling), in
Finnish and in Dutch, and fails on any serious or critical violation. A client who uses
only the keyboard books through the month calendar: arrow keys move between
days, each day says whether it has free times, Enter picks.
"""

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from appointments.models import Appointment
from online_booking.models import OnlineLocation

from .. import factories as f
from ..online_booking.conftest import open_for_online

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
# Wednesday 9 January 2030, 08:00 in Helsinki: the days before are past (no free times),
# weekdays from today on have free mornings, weekends none.
NOW = dt.datetime(2030, 1, 9, 6, 0, tzinfo=dt.UTC)
SCREENSHOTS = Path(settings.BASE_DIR) / "screenshots" / "booking"
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa',
                                    'best-practice']},
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ': ' + n.failureSummary),
  }));
}"""


@pytest.fixture
def axe_path():
    if not AXE.exists():
        pytest.skip("axe-core not installed: run `npm ci` (bin/setup does)")
    return AXE


@pytest.fixture
def clinic(practice_b, location_b, vet_b):
    """The Finnish vet practice, open online at two locations for dogs and cats."""
    ctype = f.ConsultationTypeFactory(practice=practice_b, name="Rokotus", category="vaccination")
    reason = open_for_online(practice_b, location_b, vet_b, ctype, species="dog")
    reason.name, reason.instructions = "Koiran rokotus", "Ota mukaan rokotuskortti."
    reason.save()
    OnlineLocation.objects.unscoped().filter(location=location_b).update(asks_species=True)
    other = f.LocationFactory(practice=practice_b, name="Kallio", city="Helsinki", time_zone="")
    OnlineLocation.objects.unscoped().create(practice=practice_b, location=other)
    return reason


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=True):
        yield


def _violations(page, axe_path, label: str) -> list[str]:
    page.add_script_tag(path=str(axe_path))
    found = page.evaluate(RUN_AXE)
    serious = [v for v in found if v["impact"] in ("serious", "critical")]
    return [f"{label}: {v['id']} ({v['impact']}) {v['help']}: {v['targets']}" for v in serious]


def _steps(page, base: str, lang: str):
    """Every step of the booking flow, one after the other, and the cancel page the summary
    links to (before and after cancelling); yields each step's name."""
    page.goto(f"{base}/p/kivi/book/?lang={lang}")
    yield "location"
    page.locator(".choice-list a", has_text="Kivi").click()
    yield "species"
    page.locator(".choice-list a").first.click()
    yield "reason"
    page.locator(".choice-list a", has_text="Koiran rokotus").click()
    yield "month"
    page.locator("a.day.free").first.click()
    yield "times"
    page.locator("a.time-button").first.click()
    yield "details"
    page.locator("#details-form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    yield "details-errors"
    page.fill("#id_first_name", "Aino")
    page.fill("#id_last_name", "Virtanen")
    page.fill("#id_mobile", "040 123 4567")
    page.fill("#id_email", "aino@example.fi")
    page.fill("#id_patient_name", "Musti")
    page.locator("#details-form button[type=submit]").click()
    page.wait_for_selector(".booked")
    yield "done"
    # The booking summary's cancel link: the client's appointment page, then cancelled.
    page.locator(".done-actions a[href*='/a/']").click()
    page.wait_for_selector(".link-actions")
    yield "cancel"
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".link-actions button.danger").click()
    page.wait_for_selector(".link-actions", state="detached")
    yield "cancelled"


@pytest.mark.parametrize("lang", ["fi", "nl"])
def test_axe_finds_nothing_serious_on_any_booking_step_at_phone_width(
    live_server, browser, clinic, frozen, axe_path, lang
):
    # bypass_csp: axe is injected as an inline script (the page's own scripts need no bypass:
    # test_csp and the keyboard test below run under the policy).
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    steps = []
    for step in _steps(page, live_server.url, lang):
        assert page.locator("html").get_attribute("lang") == lang
        steps.append(step)
        problems += _violations(page, axe_path, f"{lang}/{step}")
        _shot(page, f"{lang}-{step}-390")
        page.set_viewport_size({"width": 1280, "height": 900})
        _shot(page, f"{lang}-{step}-1280")
        page.set_viewport_size(PHONE)
    context.close()
    assert steps[-3:] == ["done", "cancel", "cancelled"]
    assert Appointment.objects.unscoped().get().status == Appointment.Status.CANCELLED
    assert not problems, "\n".join(problems)


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return {label: el.getAttribute('aria-label') || el.textContent.trim(),
                  cls: el.className, tag: el.tagName, href: el.getAttribute('href'),
                  outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
        }"""
    )


def _tab_to(page, predicate, limit: int = 60) -> dict:
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = _focused(page)
        if predicate(now):
            return now
        seen.append(now["label"][:30])
    raise AssertionError(f"not reached by Tab on {page.url}; the focus went through {seen}")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_keyboard_only_client_books_through_the_calendar(live_server, browser, clinic, frozen):
    # given: a phone-sized window under the page's content security policy
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/p/kivi/book/?lang=en")
    _shot(page, "1-location")

    # when: the client tabs to each choice and presses Enter
    for name, query, text in (
        ("location", "location=", "Kivi"),
        ("species", "species=dog", "Dog"),
        ("reason", "reason=", "Koiran rokotus"),
    ):
        focused = _tab_to(
            page, lambda el, q=query, t=text: q in (el["href"] or "") and t in el["label"]
        )
        assert focused["outline"], f"no visible focus on the {name} choice"
        _shot(page, f"2-{name}-focused")
        with page.expect_navigation():
            page.keyboard.press("Enter")

    # then: one Tab past the month links lands on one day of the calendar (roving tabindex)
    day = _tab_to(page, lambda el: "day" in el["cls"])
    assert day["outline"]
    assert day["label"] == "Wednesday 9 January, free times"
    _shot(page, "3-month-focused")
    # Page Down and Page Up change the month and keep the focus in the calendar
    with page.expect_navigation():
        page.keyboard.press("PageDown")
    assert "month=2030-02" in page.url
    assert _focused(page)["label"] == "Friday 1 February, free times"
    with page.expect_navigation():
        page.keyboard.press("PageUp")
    assert "month=2030-01" in page.url
    assert _focused(page)["label"] == "Wednesday 9 January, free times"
    # arrows move between days and say whether each has free times
    page.keyboard.press("ArrowLeft")
    assert _focused(page)["label"] == "Tuesday 8 January, no free times"
    page.keyboard.press("ArrowDown")
    assert _focused(page)["label"] == "Tuesday 15 January, free times"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowUp")
    assert _focused(page)["label"] == "Wednesday 9 January, free times"
    page.keyboard.press("End")  # the end of the week: a Sunday, closed
    assert _focused(page)["label"] == "Sunday 13 January, no free times"
    page.keyboard.press("Enter")  # a day without free times picks nothing
    assert "day=" not in page.url
    page.keyboard.press("Home")
    page.keyboard.press("ArrowDown")
    assert _focused(page)["label"] == "Monday 14 January, free times"
    # a second Tab leaves the calendar instead of walking through all its days
    page.keyboard.press("Tab")
    assert "day" not in _focused(page)["cls"]
    page.keyboard.press("Shift+Tab")
    assert _focused(page)["label"] == "Monday 14 January, free times"
    page.keyboard.press("Enter")
    page.wait_for_url("**day=2030-01-14**")
    assert page.locator("a.day[aria-current=date]").get_attribute("tabindex") == "0"

    time = _tab_to(page, lambda el: "time-button" in el["cls"])
    assert time["outline"]
    _shot(page, "4-times-focused")
    page.keyboard.press("Enter")
    page.wait_for_selector("#details-form")

    # the details: the first Tab stops in order, sent empty the errors are announced and tied
    first = _tab_to(page, lambda el: el["tag"] == "INPUT")
    assert first["outline"]
    _shot(page, "5-details-focused")
    submit = _tab_to(page, lambda el: el["tag"] == "BUTTON" and "primary" in el["cls"])
    assert submit["outline"]
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    first_name = page.locator("#id_first_name")
    assert first_name.get_attribute("aria-invalid") == "true"
    error_id = first_name.get_attribute("aria-describedby").split()[0]
    assert page.locator(f"#{error_id}").inner_text()
    _shot(page, "6-details-errors")
    # the summary's link takes the client to the field
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_first_name"
    for value in ("Aino", "Virtanen", "040 123 4567", "aino@example.fi"):
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    page.locator("#id_patient_name").focus()
    page.keyboard.type("Musti")
    _tab_to(page, lambda el: el["tag"] == "BUTTON" and "primary" in el["cls"])
    page.keyboard.press("Enter")
    page.wait_for_selector(".booked")
    _shot(page, "7-done")
    context.close()

    appointment = Appointment.objects.unscoped().get()
    assert appointment.patient.name == "Musti"
    assert appointment.starts_at.date() == dt.date(2030, 1, 14)
