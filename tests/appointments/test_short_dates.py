"""Short dates in the calendar as each language writes them: the week view's header and
day columns, the day list for phones, and the booking form's free times. Finnish writes
'29.11.' (not '29 marras', let alone Django's 'Mar'), Russian the genitive '29 нояб.'.
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from practice.models import StaffProfile

from .. import factories as f

MONDAY = dt.date(2026, 11, 23)
SUNDAY = dt.date(2026, 11, 29)


@pytest.fixture
def dirk_works(practice_a, dentist, location_a):
    for weekday in range(7):
        f.WorkingHoursFactory(
            practice=practice_a,
            practitioner=dentist,
            location=location_a,
            weekday=weekday,
            start_time=dt.time(9),
            end_time=dt.time(12),
        )
    return dentist


def _speaks(receptionist, language):
    StaffProfile.objects.filter(user=receptionist.user).update(language=language)


@pytest.mark.parametrize(
    ("language", "title", "sunday_head", "sunday_list", "odd"),
    [
        ("en", "week of 23 Nov – 29 Nov 2026", "Sun 29 Nov", "Sunday 29 November", "Nov 29"),
        ("nl", "23 nov – 29 nov 2026", "zo 29 nov", "zondag 29 november", "29 Nov"),
        ("fi", "23.11. – 29.11.2026", "su 29.11.", "sunnuntai 29. marraskuuta", "29 mar"),
        ("it", "dal 23 nov al 29 nov 2026", "dom 29 nov", "domenica 29 novembre", "Novembre"),
        ("ru", "23 нояб. – 29 нояб. 2026", "вс 29 нояб.", "воскресенье 29 ноября", "29 Ноя"),
    ],
)
def test_the_week_views_header_and_days_use_the_languages_short_date(
    rita_client,
    receptionist,
    location_a,
    dirk_works,
    language,
    title,
    sunday_head,
    sunday_list,
    odd,
):
    # given: Rita reads the calendar in her language
    _speaks(receptionist, language)
    # when
    response = rita_client.get(
        reverse("calendar"),
        {"location": location_a.pk, "date": SUNDAY.isoformat(), "view": "week"},
    )
    # then
    content = response.content.decode()
    assert title in content.split('class="day-title"')[1].split("</h1>")[0]
    assert f">{sunday_head}</a>" in content  # the column head
    # the list for narrow screens, the long weekday and date (Italian in lower case)
    assert f">{sunday_list}" in content
    assert odd not in content


@pytest.mark.parametrize(
    ("language", "first_day", "range_"),
    [
        ("en", "Mon 30 Nov", "30 Nov – 6 Dec"),
        ("nl", "ma 30 nov", "30 nov – 6 dec"),
        ("fi", "ma 30.11.", "30.11. – 6.12."),
        ("it", "lun 30 nov", "30 nov – 6 dic"),
        ("ru", "пн 30 нояб.", "30 нояб. – 6 дек."),
    ],
)
def test_the_free_time_finder_uses_the_languages_short_date(
    rita_client, receptionist, location_a, dirk_works, ctype_a, language, first_day, range_
):
    _speaks(receptionist, language)
    with time_machine.travel(dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC), tick=False):
        response = rita_client.get(
            reverse("appointment-free-times"),
            {
                "location": location_a.pk,
                "consultation_type": ctype_a.pk,
                "practitioner": dirk_works.pk,
                "date": "2026-11-30",
            },
            HTTP_HX_REQUEST="true",
        )
    content = response.content.decode()
    assert f'class="free-day-name">{first_day}<' in content
    assert f"<span>{range_}</span>" in content


@pytest.mark.parametrize(
    ("language", "shown", "odd"),
    [
        ("fi", "29.11.2026", "29 mar"),
        ("ru", "29 нояб. 2026", "29 Ноя"),
        ("nl", "29 nov 2026", "Nov"),
    ],
)
def test_the_patient_cards_dates_use_the_languages_short_date(
    rita_client, receptionist, patient_a, practice_a, language, shown, odd
):
    """The card's recall and payment dates read as the calendar's do (Finnish '29.11.2026',
    not Django's 'Mar', which reads as March)."""
    from appointments.models import Payment, Recall

    Recall.objects.unscoped().create(
        practice=practice_a, patient=patient_a, kind="dentist", due_date=SUNDAY
    )
    Payment.objects.unscoped().create(
        practice=practice_a,
        client=patient_a.client,
        patient=patient_a,
        amount=10,
        method="card",
        taken_at=dt.datetime(2026, 11, 29, 10, tzinfo=dt.UTC),
    )
    _speaks(receptionist, language)
    page = rita_client.get(reverse("patient-card", args=[patient_a.pk])).content.decode()
    assert page.count(shown) >= 2
    assert odd not in page
