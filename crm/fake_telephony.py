"""A fake telephony and website source: realistic calls, chats and web requests, posted
through the integration API (/api/v1/crm/) with a real key, as a PBX or a site would.

For the demo (`seed_demo` runs it for a month in each demo practice, today's missed calls
included) and for tests. Calls are answered or missed, incoming or outgoing, some forwarded
and not picked up (the caller's leg completed, nobody answered); a few have their events
posted out of order. Chats come from messengers, web requests with UTM tags from ads.
Callers are mostly the practice's own clients, some new numbers, a few withheld.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from patients.models import Client as PracticeClient
from practice import localtime
from practice.models import Membership, Practice, Role
from practice.scoping import for_practice

from .api_keys import api_key_create, api_key_revoke

KEY_NAME = "Fake telephony"
OPEN, CLOSE = 8, 18  # the desk's hours, local
UTM = [
    ("google", "cpc", "implants", "/implantaten"),
    ("google", "cpc", "check-up", "/controle"),
    ("facebook", "social", "whitening", "/bleken"),
    ("newsletter", "email", "spring", "/nieuws"),
    ("", "", "", "/contact"),
]
CHAT_CHANNELS = ["whatsapp", "site widget", "telegram"]
# Today's calls a manager opening the demo sees: minutes before now (missed, missed, missed
# and called back), and how long after that last one reception called back.
TODAYS_CALLS = ((7, "missed"), (35, "missed"), (80, "missed_called_back"))
CALLBACK_AFTER = dt.timedelta(minutes=9)


@dataclass
class Posted:
    calls: int = 0
    chats: int = 0
    web_requests: int = 0
    events: int = 0
    refused: list[str] = field(default_factory=list)


class _Api:
    """Posts to the integration API in-process (Django's test client: no server needed)."""

    def __init__(self, key: str) -> None:
        hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", "")]
        self.client = Client(SERVER_NAME=hosts[0] if hosts else "localhost")
        self.headers = {"Authorization": f"Api-Key {key}"}

    def post(self, path: str, body: dict, posted: Posted) -> None:
        # secure: outside DEBUG the site redirects plain HTTP to HTTPS (a 301, not a post).
        answer = self.client.post(
            f"/api/v1/crm/{path}",
            body,
            content_type="application/json",
            headers=self.headers,
            secure=True,
        )
        posted.events += 1
        if answer.status_code not in (200, 201):
            posted.refused.append(f"{path} {answer.status_code} {answer.content[:200]!r}")


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _before(event: dict, now: dt.datetime) -> bool:
    """Whether the event happened before `now` (as instants: ISO strings with and without
    microseconds do not sort as their times do)."""
    return dt.datetime.fromisoformat(event["occurred_at"]) < now


class _Day:
    """One local day's traffic of one practice."""

    def __init__(self, rng, practice, day, now, numbers, staff) -> None:
        self.rng, self.practice, self.day, self.now = rng, practice, day, now
        self.numbers, self.staff = numbers, staff
        self.tz = practice.tz
        # How long after a 'missed_called_back' call reception calls back.
        self.callback_after = CALLBACK_AFTER

    def moment(self, hour_from=OPEN, hour_to=CLOSE) -> dt.datetime:
        minute = self.rng.randrange(hour_from * 60, hour_to * 60)
        at = localtime.wall_to_utc(self.day, dt.time(minute // 60, minute % 60), self.tz)
        return at + dt.timedelta(seconds=self.rng.randrange(60))

    def number(self) -> str:
        roll = self.rng.random()
        if roll < 0.04:
            return "anonymous"
        if roll < 0.72 and self.numbers:
            return self.rng.choice(self.numbers)
        if self.practice.default_country == "FI":
            return f"040 {self.rng.randrange(1000000, 9999999)}"
        return f"06 {self.rng.randrange(10000000, 99999999)}"


def _call_events(d: _Day, n: int, at: dt.datetime, outcome: str, other: str = "") -> list[dict]:
    """A call's events: ringing, then answered + completed, or missed / completed unanswered.
    'missed_called_back': missed, and reception calls the number back `d.callback_after` later."""
    if outcome == "missed_called_back":
        number = d.rng.choice(d.numbers) if d.numbers else d.number()
        back = at + d.callback_after
        return [
            *_call_events(d, n, at, "missed", other=number),
            *_call_events(d, 900 + n, back, "outgoing", other=number),
        ]
    direction = "out" if outcome == "outgoing" else "in"
    ours = d.practice.phone
    other = other or (d.number() if direction == "in" else d.rng.choice(d.numbers or [d.number()]))
    tracking = d.rng.random() < 0.25
    base = {
        "provider_id": f"{d.day:%Y%m%d}-{n}",
        "direction": direction,
        "from_number": other if direction == "in" else ours,
        "to_number": ours if direction == "in" else other,
        "service": "Google Ads number" if tracking else "Main line",
    }
    employee = d.rng.choice(d.staff) if d.staff else ""
    if direction == "out":
        base["employee"] = employee  # who called out
    if tracking:
        base.update(utm_source="google", utm_medium="cpc", utm_campaign="call-extension")
    wait = d.rng.randrange(3, 40)
    talk = d.rng.randrange(40, 420)
    ring = {**base, "event": "ringing", "occurred_at": _iso(at), "sequence": 1}
    if outcome == "missed":
        ended = at + dt.timedelta(seconds=wait)
        return [ring, {**base, "event": "missed", "occurred_at": _iso(ended), "sequence": 2}]
    if outcome == "forwarded_missed":
        # forwarded to the desk, nobody picked up; the exchange reports the leg completed
        ended = at + dt.timedelta(seconds=30)
        return [ring, {**base, "event": "completed", "occurred_at": _iso(ended), "sequence": 2,
                       "duration_seconds": 0}]  # fmt: skip
    answered = at + dt.timedelta(seconds=wait)
    ended = answered + dt.timedelta(seconds=talk)
    recording = f"https://recordings.example/{d.practice.slug}/{base['provider_id']}.mp3"
    return [
        ring,
        {**base, "event": "answered", "occurred_at": _iso(answered), "sequence": 2,
         "employee": employee},
        {**base, "event": "completed", "occurred_at": _iso(ended), "sequence": 3,
         "duration_seconds": talk, "recording_url": recording, "employee": employee},
    ]  # fmt: skip


def _chat_events(d: _Day, n: int, at: dt.datetime) -> list[dict]:
    base = {"provider_id": f"{d.day:%Y%m%d}-{n}", "chat_channel": d.rng.choice(CHAT_CHANNELS),
            "phone_raw": d.number()}  # fmt: skip
    events = [{**base, "event": "message_in", "message_id": "1", "occurred_at": _iso(at),
               "text": "Hello, can I make an appointment?"}]  # fmt: skip
    replied = d.rng.random() < 0.8
    if replied and d.staff:
        reply = at + dt.timedelta(minutes=d.rng.randrange(1, 25))
        events.append({**base, "event": "message_out", "message_id": "2",
                       "occurred_at": _iso(reply), "employee": d.rng.choice(d.staff)})  # fmt: skip
    if d.day < localtime.local_date(d.now, d.tz) or d.rng.random() < 0.4:
        events.append({**base, "event": "closed", "occurred_at": _iso(at + dt.timedelta(hours=1))})
    return events


def _web_request(d: _Day, n: int, at: dt.datetime) -> dict:
    source, medium, campaign, page = d.rng.choice(UTM)
    return {
        "provider_id": f"{d.day:%Y%m%d}-{n}",
        "occurred_at": _iso(at),
        "name": d.rng.choice(["Eva", "Noah", "Sanna", "Leo", "Mila", "Onni"]),
        "phone": d.number(),
        "text": "Please call me back about an appointment.",
        "utm_source": source,
        "utm_medium": medium,
        "utm_campaign": campaign,
        "landing_page": f"https://{d.practice.slug}.example{page}",
        "service": "landing" if source else "site",
    }


def _calls(d: _Day, today: bool) -> Iterator[tuple[dt.datetime, str]]:
    weekend = d.day.weekday() >= 5
    count = d.rng.randrange(1, 4) if weekend else d.rng.randrange(6, 12)
    for _ in range(count):
        roll = d.rng.random()
        outcome = (
            "outgoing" if roll < 0.25 else "missed" if roll < 0.40
            else "forwarded_missed" if roll < 0.47 else "answered"
        )  # fmt: skip
        yield d.moment(), outcome
    if today:  # a manager opening the demo sees today's missed calls
        yield from _todays_calls(d)


def _todays_calls(d: _Day) -> Iterator[tuple[dt.datetime, str]]:
    """TODAYS_CALLS, all within the part of the local day already gone: shortly after
    midnight they (and the call back) are squeezed into the minutes since, in proportion, so
    the called-back missed call and its call back are both there, today, before now."""
    midnight = localtime.day_bounds(d.day, d.tz)[0]
    longest = max(minutes for minutes, _outcome in TODAYS_CALLS)
    span = min(d.now - midnight, dt.timedelta(minutes=longest))
    scale = span / dt.timedelta(minutes=longest)
    d.callback_after = CALLBACK_AFTER * scale
    for minutes, outcome in TODAYS_CALLS:
        yield d.now - dt.timedelta(minutes=minutes) * scale, outcome


def fake_day(api: _Api, d: _Day, posted: Posted) -> None:
    today = d.day == localtime.local_date(d.now, d.tz)
    for n, (at, outcome) in enumerate(_calls(d, today)):
        if at >= d.now:
            continue
        events = [e for e in _call_events(d, n, at, outcome) if _before(e, d.now)]
        if d.rng.random() < 0.1:
            events.reverse()  # late webhooks: the result must not change
        for event in events:
            api.post("calls/events/", event, posted)
        posted.calls += 2 if outcome == "missed_called_back" else 1
    for n in range(d.rng.randrange(0, 3)):
        at = d.moment()
        if at < d.now:
            for event in _chat_events(d, n, at):
                if _before(event, d.now):
                    api.post("chats/events/", event, posted)
            posted.chats += 1
    for n in range(d.rng.randrange(0, 3)):
        at = d.moment(0, 24)
        if at < d.now:
            api.post("web-requests/", _web_request(d, n, at), posted)
            posted.web_requests += 1


def fake_telephony(
    practice: Practice, *, days: int, seed: int = 0, now: dt.datetime | None = None
) -> Posted:
    """Post `days` local days of traffic (up to `now`) for `practice` through the API.

    A fresh key is made for the run and revoked after it. Posting the same days again with
    the same seed stores nothing new (the API is idempotent by provider id and event)."""
    now = now or timezone.now()
    rng = random.Random(f"{practice.slug}:{seed}")
    numbers = list(
        for_practice(PracticeClient, practice)
        .exclude(mobile="")
        .values_list("mobile", flat=True)[:200]
    )
    staff = list(
        for_practice(Membership, practice)
        .filter(role__in=[Role.RECEPTION, Role.DIRECTOR], is_active=True)
        .values_list("user__username", flat=True)
    )
    issued = api_key_create(practice, actor=None, name=KEY_NAME)
    api, posted = _Api(issued.plain), Posted()
    last = localtime.local_date(now, practice.tz)
    try:
        # Our own bulk load: the per-key rate limit is for outside integrations.
        with override_settings(CRM_API_RATE="1000000/m"):
            for back in range(days - 1, -1, -1):
                day = last - dt.timedelta(days=back)
                fake_day(api, _Day(rng, practice, day, now, numbers, staff), posted)
    finally:
        api_key_revoke(practice, actor=None, key=issued.key)
    return posted


def demo_contact_history(practice: Practice) -> None:
    """seed_demo's hook: a month of history, once (a practice with communications gets none)."""
    from .models import Communication

    if for_practice(Communication, practice).exists():
        return
    posted = fake_telephony(practice, days=settings.CRM_DEMO_DAYS)
    if posted.refused:
        # A demo without its contact history would look empty, not broken: say why.
        raise RuntimeError(f"{len(posted.refused)} demo events were refused: {posted.refused[0]}")
