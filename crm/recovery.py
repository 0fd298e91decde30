"""Missed-call recovery: what became of each missed incoming call.

The first of these after the missed call, within `HORIZON`, recovers it:
- called back: staff's outgoing call to that number was answered (an attempt nobody
  picked up recovers nothing);
- called again: an incoming call from that number (or that client) was answered;
- booked online: the caller (that number or that client) booked through the online
  booking.
Else it is not recovered. `recovery_minutes` is how long it took, `recovered_by` the
communication that did it. The report's figures (share recovered within 15 minutes, time
to first answer of web requests, per employee and channel) come from `recovery_summary`
and `request_answer_summary`, aggregates in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Least

from practice import localtime
from practice.models import Practice
from practice.scoping import for_practice

from .models import Communication, Source

HORIZON = dt.timedelta(days=7)
QUICK_MINUTES = 15
Kind, Direction, Status, Recovery = (
    Communication.Kind,
    Communication.Direction,
    Communication.Status,
    Communication.Recovery,
)
MISSED = Q(kind=Kind.CALL, direction=Direction.INCOMING, status=Status.MISSED)
RECOVERING = Q(kind=Kind.CALL, status=Status.ANSWERED) | Q(
    kind=Kind.WEB_REQUEST, source=Source.ONLINE_BOOKING
)


def is_missed_call(comm: Communication) -> bool:
    return (comm.kind, comm.direction, comm.status) == (
        Kind.CALL,
        Direction.INCOMING,
        Status.MISSED,
    )


def _how(later: Communication) -> str:
    if later.kind == Kind.WEB_REQUEST:
        return Recovery.BOOKED_ONLINE
    if later.direction == Direction.OUTGOING:
        return Recovery.CALLED_BACK
    return Recovery.CALLED_AGAIN


def _same_person(missed: Communication, later: Communication) -> bool:
    if later.kind == Kind.CALL and later.direction == Direction.OUTGOING:
        return later.phone_e164 == missed.phone_e164  # a call back dials that number
    same_client = missed.client_id is not None and later.client_id == missed.client_id
    return later.phone_e164 == missed.phone_e164 or same_client


def recover(practice: Practice, comms: Iterable[Communication]) -> dict[int, tuple]:
    """(recovery, minutes, recovered_by id) of each missed call among `comms`; other
    communications get ('', None, None). One query for the later communications."""
    comms = list(comms)
    missed = [c for c in comms if is_missed_call(c) and c.phone_e164]
    result: dict[int, tuple] = {c.pk: ("", None, None) for c in comms}
    result.update({c.pk: (Recovery.NOT_RECOVERED, None, None) for c in comms if is_missed_call(c)})
    if not missed:
        return result
    phones = {c.phone_e164 for c in missed}
    clients = {c.client_id for c in missed} - {None}
    later = list(
        for_practice(Communication, practice)
        .filter(RECOVERING)
        .filter(Q(phone_e164__in=phones) | Q(client_id__in=clients))
        .filter(
            started_at__gt=min(c.started_at for c in missed),
            started_at__lte=max(c.started_at for c in missed) + HORIZON,
        )
        .order_by("started_at", "pk")
    )
    for call in missed:
        first = next(
            (
                c
                for c in later
                if call.started_at < c.started_at <= call.started_at + HORIZON
                and _same_person(call, c)
            ),
            None,
        )
        if first is not None:
            minutes = int((first.started_at - call.started_at).total_seconds() // 60)
            result[call.pk] = (_how(first), minutes, first.pk)
    return result


def missed_calls_before(practice: Practice, comms: Iterable[Communication]) -> set[int]:
    """Missed calls a later communication among `comms` may recover: same number or client,
    within `HORIZON` before it (one query)."""
    comms = [c for c in comms if c.phone_e164 or c.client_id]
    if not comms:
        return set()
    phones = {c.phone_e164 for c in comms} - {""}
    clients = {c.client_id for c in comms} - {None}
    return set(
        for_practice(Communication, practice)
        .filter(MISSED)
        .filter(Q(phone_e164__in=phones) | Q(client_id__in=clients))
        .filter(
            started_at__gte=min(c.started_at for c in comms) - HORIZON,
            started_at__lt=max(c.started_at for c in comms),
        )
        .values_list("pk", flat=True)
    )


def _period(practice: Practice, first: dt.date, last: dt.date) -> Q:
    since, until = localtime.range_bounds(first, last, practice.tz)
    return Q(started_at__gte=since, started_at__lt=until)


@dataclass(frozen=True)
class Only:
    """Narrowing of the speed figures: one employee (as each figure names them), one ad
    channel or channel group; None is all."""

    employee_id: int | None = None
    channel_id: int | None = None
    channel_group_id: int | None = None

    def narrow(self, rows: QuerySet) -> QuerySet:
        """`rows` annotated with `who`, narrowed to what is asked."""
        if self.employee_id is not None:
            rows = rows.filter(who=self.employee_id)
        if self.channel_id is not None:
            rows = rows.filter(channel_id=self.channel_id)
        if self.channel_group_id is not None:
            rows = rows.filter(channel__group_id=self.channel_group_id)
        return rows


EVERYONE = Only()


def recovery_summary(
    practice: Practice, first: dt.date, last: dt.date, only: Only = EVERYONE
) -> list[dict]:
    """Per employee (who answered or recovered) and channel: missed calls, those recovered
    within 15 minutes, and their share (%). One query."""
    rows = (
        for_practice(Communication, practice)
        .filter(MISSED, _period(practice, first, last))
        .annotate(
            who=Coalesce("employee_id", "recovered_by__employee_id", output_field=IntegerField())
        )
    )
    rows = (
        only.narrow(rows)
        .values("who", "channel_id")
        .annotate(
            missed=Count("pk"),
            quick=Count(
                "pk",
                filter=Q(recovery_minutes__lte=QUICK_MINUTES)
                & ~Q(recovery__in=["", Recovery.NOT_RECOVERED]),
            ),
        )
        .order_by("who", "channel_id")
    )
    return [{**row, "share": round(100 * row["quick"] / row["missed"], 1)} for row in rows]


def request_answer_summary(
    practice: Practice, first: dt.date, last: dt.date, only: Only = EVERYONE
) -> list[dict]:
    """Per employee and channel: web requests, those answered, and the average time to
    the first answer (processed, or the first call to that number or relinked to it)."""
    calls = for_practice(Communication, practice).filter(
        kind=Kind.CALL, started_at__gt=OuterRef("started_at")
    )
    first_call = Subquery(
        calls.filter(
            Q(direction=Direction.OUTGOING, phone_e164=OuterRef("phone_e164")) & ~Q(phone_e164="")
            | Q(answers_request_id=OuterRef("pk"))
        )
        .order_by("started_at")
        .values("started_at")[:1]
    )
    first_employee = Subquery(
        calls.filter(answers_request_id=OuterRef("pk"))
        .order_by("started_at")
        .values("employee_id")[:1]
    )
    rows = (
        for_practice(Communication, practice)
        .filter(Q(kind=Kind.WEB_REQUEST) & ~Q(source=Source.ONLINE_BOOKING))
        .filter(_period(practice, first, last))
        # The earlier of the two, either may be missing: both arguments coalesced, so no
        # NULL reaches LEAST (PostgreSQL skips NULLs there, SQLite would answer NULL).
        .annotate(
            answered_at_=Least(
                Coalesce("processed_at", first_call), Coalesce(first_call, "processed_at")
            )
        )
        .annotate(
            who=Coalesce(
                "processed_by_id", "employee_id", first_employee, output_field=IntegerField()
            ),
            wait=ExpressionWrapper(F("answered_at_") - F("started_at"), DurationField()),
        )
    )
    rows = (
        only.narrow(rows)
        .values("who", "channel_id")
        .annotate(
            requests=Count("pk"),
            answered=Count("answered_at_"),
            average=Avg("wait"),
        )
        .order_by("who", "channel_id")
    )
    return list(rows)
