"""A manager on a phone (390 px): the departure report, the contact history (its list, its
grouped view with 'Speed to answer') and Settings → Failure reasons show every column's
figures without a table wider than the screen; report rows stack as small cards, each
value with its column's name. Screenshots at 1280 and 390 px go to screenshots/s7/."""

from pathlib import Path

import pytest
from django.utils import timezone

from crm.fake_telephony import fake_telephony

from .test_report_manager import _failed_workflows, _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "s7"
PAGES = {
    "departure": "/reports/departure/",
    "contacts-list": "/reports/contacts/",
    "contacts-grouped": "/reports/contacts/?view=grouped",
    "failure-reasons": "/settings/failure-reasons/",
}
# Wider than its box: a table (or anything) that a phone would clip or scroll sideways.
CLIPPED = """() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth) out.push('page');
  for (const el of document.querySelectorAll('.table-scroll, .card, table')) {
    if (el.scrollWidth > el.clientWidth + 1) out.push(el.className || el.tagName);
  }
  return out;
}"""


@pytest.fixture
def history(director, receptionist, dentist, location_a, patient_a):
    today = timezone.localdate(timezone=location_a.tz)
    _failed_workflows(patient_a.practice, dentist, location_a, receptionist, patient_a, today)
    fake_telephony(patient_a.practice, days=2)


def test_the_manager_pages_fit_a_phone_with_every_figure_named(live_server, browser, history):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page = _log_in(browser, live_server.url, "dora", width=width, language="en")
        for name, url in PAGES.items():
            page.goto(f"{live_server.url}{url}")
            page.screenshot(path=SHOTS / f"phone-test-{name}-{width}.png", full_page=True)
            if width == 390:
                assert page.evaluate(CLIPPED) == [], name
        if width == 390:
            # 'Speed to answer' stacks: each figure beside its column's name
            page.goto(f"{live_server.url}{PAGES['contacts-grouped']}")
            row = page.locator(".speed-table tbody tr").first
            assert row.evaluate("tr => getComputedStyle(tr).display") == "grid"
            label = (
                row.locator("td[data-label]")
                .nth(1)
                .evaluate("td => getComputedStyle(td, '::before').content")
            )
            assert "Missed calls" in label
            page.goto(f"{live_server.url}{PAGES['departure']}")
            first = page.locator(".failed-table tbody tr").first
            assert first.evaluate("tr => getComputedStyle(tr).display") == "grid"
        page.context.close()
