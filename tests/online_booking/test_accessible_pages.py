"""What the booking pages tell a screen reader (WCAG 2.2 AA), read from the HTML: the month
calendar is a grid whose days say whether they have free times, in the client's language,
and the details form ties each error to its field and announces them."""

import re

import pytest
import time_machine

from online_booking.views import day_label

pytestmark = pytest.mark.django_db

BOOK = "/p/centrum/book/"
DETAILS = "/p/centrum/book/details/"
NINE_UTC = "2030-01-07T08:00:00Z"  # Monday 09:00 in Amsterdam


@pytest.fixture(autouse=True)
def _early_january():
    with time_machine.travel("2030-01-02 08:00Z", tick=False):
        yield


def _labels(page: str) -> dict[str, str]:
    """Each day's aria-label, by its date."""
    return dict(re.findall(r'data-day="([\d-]+)"[^>]*aria-label="([^"]+)"', page))


@pytest.mark.parametrize(
    ("lang", "free", "closed"),
    [
        ("en", "Monday 7 January, free times", "Saturday 12 January, no free times"),
        ("nl", "maandag 7 januari, vrije tijden", "zaterdag 12 januari, geen vrije tijden"),
        (
            "fi",
            "maanantai 7. tammikuuta, vapaita aikoja",
            "lauantai 12. tammikuuta, ei vapaita aikoja",
        ),
    ],
)
def test_each_day_of_the_month_says_whether_it_has_free_times(client, setup, lang, free, closed):
    page = client.get(f"{BOOK}?reason={setup.pk}&month=2030-01&lang={lang}").content.decode()
    labels = _labels(page)
    assert len(labels) == 31  # every day of the month, not only the free ones
    assert labels["2030-01-07"] == free
    assert labels["2030-01-12"] == closed


def test_the_month_is_a_grid_with_free_days_as_links_and_the_others_not_choosable(client, setup):
    page = client.get(f"{BOOK}?reason={setup.pk}&day=2030-01-07&lang=en").content.decode()
    assert 'role="grid" aria-labelledby="month-name" aria-describedby="calendar-keys"' in page
    assert 'id="calendar-keys"' in page
    assert "arrow keys move between days" in page
    chosen = re.search(r'<a class="day free chosen" href="[^"]+" data-day="2030-01-07"[^>]*>', page)
    assert chosen
    assert 'aria-current="date"' in chosen.group(0)
    saturday = re.search(r'<span class="day"[^>]*data-day="2030-01-12"[^>]*>', page).group(0)
    assert 'aria-disabled="true"' in saturday
    assert "href" not in saturday
    assert '<script src="/static/js/booking.js" defer></script>' in page


def test_day_labels_are_translated_with_the_month_as_the_language_writes_it():
    import datetime as dt

    from django.utils import translation

    with translation.override("ru"):
        assert day_label(dt.date(2030, 11, 30), True).startswith("суббота 30 ноября")


def test_details_errors_are_summarised_announced_and_tied_to_their_fields(client, setup):
    response = client.post(
        f"{DETAILS}?reason={setup.pk}&start={NINE_UTC}&lang=en", {"start": NINE_UTC}
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "<title>Error: Your details" in page
    summary = re.search(r'<div class="form-errors error-summary"[^>]*>', page).group(0)
    assert 'role="alert"' in summary
    assert 'tabindex="-1"' in summary
    assert '<a href="#id_first_name">First name: ' in page
    field = re.search(r'<input[^>]*id="id_first_name"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="id_first_name_error"' in field
    assert '<div class="error" id="id_first_name_error">' in page
    # a field without an error is not marked
    city = re.search(r'<input[^>]*id="id_city"[^>]*>', page).group(0)
    assert "aria-invalid" not in city


def test_the_remember_box_is_described_by_its_help_text(client, setup):
    page = client.get(f"{DETAILS}?reason={setup.pk}&start={NINE_UTC}&lang=en").content.decode()
    box = re.search(r'<input[^>]*id="id_remember"[^>]*>', page).group(0)
    assert 'aria-describedby="id_remember_helptext"' in box
    assert 'id="id_remember_helptext"' in page
