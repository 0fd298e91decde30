"""The fake telephony posts realistic traffic through the API, idempotently."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from crm.fake_telephony import fake_telephony
from crm.models import ApiKey, Communication, ProviderEvent
from practice import localtime
from practice.scoping import for_practice

Kind, Status = Communication.Kind, Communication.Status


@pytest.fixture
def now(practice_a):
    # a Wednesday, 15:00 in Amsterdam
    return localtime.wall_to_utc(dt.date(2026, 3, 11), dt.time(15), practice_a.tz)


def test_it_posts_calls_chats_and_web_requests_through_the_api(
    practice_a, patient_a, receptionist, now
):
    posted = fake_telephony(practice_a, days=5, now=now)
    assert posted.refused == []
    rows = for_practice(Communication, practice_a)
    assert rows.filter(kind=Kind.CALL).count() == posted.calls > 0
    assert rows.filter(kind=Kind.WEB_REQUEST).count() == posted.web_requests
    assert rows.filter(kind=Kind.CHAT).count() == posted.chats
    assert rows.filter(source="api").count() == rows.count()
    assert for_practice(ProviderEvent, practice_a).count() == posted.events
    # answered and missed, in and out, some forwarded and not picked up
    calls = rows.filter(kind=Kind.CALL)
    assert calls.filter(status=Status.ANSWERED, direction="in").exists()
    assert calls.filter(direction="out").exists()
    with translation.override(practice_a.language):
        unanswered = translation.gettext("Ended without being answered.")
        reasons = {c.status_reason_text for c in calls.filter(status=Status.MISSED)}
    assert unanswered in reasons
    # today's missed calls, before now, on today's local day
    today = calls.filter(local_date=dt.date(2026, 3, 11), status=Status.MISSED)
    assert today.count() >= 3
    assert all(c.started_at < now for c in calls)
    # Anna (a client of the practice) calls too: her number in E.164
    assert calls.filter(phone_e164=patient_a.client.mobile).exists()


def test_it_posts_when_the_site_redirects_plain_http_to_https(
    practice_a, patient_a, receptionist, now, settings
):
    """Outside DEBUG (as bin/start and production run) every plain-HTTP request is a 301:
    the demo's history must still arrive."""
    settings.SECURE_SSL_REDIRECT = True
    posted = fake_telephony(practice_a, days=2, now=now)
    assert posted.refused == []
    stored = for_practice(Communication, practice_a).count()
    assert stored == posted.calls + posted.chats + posted.web_requests > 0


def test_running_it_again_stores_nothing_new(practice_a, receptionist, now):
    fake_telephony(practice_a, days=2, now=now)
    events = for_practice(ProviderEvent, practice_a).count()
    again = fake_telephony(practice_a, days=2, now=now)
    assert again.refused == []
    assert for_practice(ProviderEvent, practice_a).count() == events


def test_its_key_is_revoked_after_the_run(practice_a, now):
    fake_telephony(practice_a, days=1, now=now)
    assert for_practice(ApiKey, practice_a).filter(revoked_at__isnull=True).count() == 0


def test_the_command_names_a_practice(practice_a, receptionist, capsys):
    call_command("fake_telephony", "--practice", practice_a.slug, "--days", "1")
    assert "calls" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("fake_telephony", "--practice", "nowhere")


@pytest.mark.parametrize(
    "wall",
    [
        dt.time(0, 4),  # before the called-back call's time could have come
        dt.time(0, 12),
        dt.time(0, 40),
        dt.time(1, 30),  # 23:30 UTC the day before: UTC and Helsinki disagree on the date
        dt.time(2, 10),
        dt.time(9, 0),
        dt.time(15, 0),
        dt.time(23, 59),
    ],
)
def test_todays_called_back_missed_call_is_there_at_any_time_of_day_in_helsinki(
    practice_b, patient_b, outsider, wall
):
    import time_machine

    # given: a Finnish practice, the clock at `wall` Helsinki time
    day = dt.date(2026, 3, 11)
    now = localtime.wall_to_utc(day, wall, practice_b.tz)
    with time_machine.travel(now, tick=False):
        # when
        posted = fake_telephony(practice_b, days=2)
    # then: today's missed calls include one reception called back within 15 minutes
    assert posted.refused == []
    today = for_practice(Communication, practice_b).filter(local_date=day, kind=Kind.CALL)
    assert today.filter(status=Status.MISSED, direction="in").count() >= 3
    recovered = today.filter(recovery="called_back", recovery_minutes__lte=15)
    assert recovered.exists()
    back = recovered.first().recovered_by
    assert back.local_date == day
    assert back.started_at <= now
    assert all(c.started_at <= now for c in today)
