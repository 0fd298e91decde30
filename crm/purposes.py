"""What a communication was for ('who, type'): Patient. Wants to book / Waitlist / CRM task /
Reminder, or Conversation with patient.

The rule (issue 12, from IDENT's help page): an outgoing call to the number on a patient's
card counts for a CRM task, a waitlist entry or a reminder only when, within the practice's
window (15 minutes) of the call, the same employee books, reschedules or closes the task,
reschedules or cancels an appointment, or marks the patient notified. A waitlist call that
ends in a booking becomes 'Wants to book'.

What the employee did is read from the practice's audit log (one row per write, with its
actor and time, written by every service): that is where appointment bookings, moves and
cancellations, task completion and closing, and waitlist additions and closings are
recorded. The window runs from the call's start to `window` minutes after its end, both
edges included. 'Mark patient notified' on the appointment panel writes
`appointment.notified` (appointments.services.appointment_mark_notified).

Incoming communications (and web requests, chats, dialogs) from anyone but an employee
are 'Wants to book': the person reached out. An employee's are conversations.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from appointments.models import Appointment, WaitlistEntry
from practice.models import AuditLog, Membership, Practice
from practice.scoping import for_practice

from .matching import Match
from .models import Communication, Task
from .reasons import reason

Purpose = Communication.Purpose

TASK_ACTIONS = frozenset({"task.complete", "task.close", "task.reassign", "task.reschedule"})
WAITLIST_ACTIONS = frozenset({"waitlist.add", "waitlist.close", "waitlist.book"})
REMINDER_ACTIONS = frozenset({"appointment.move", "appointment.cancel", "appointment.notified"})
BOOKING_ACTIONS = frozenset({"appointment.book", "waitlist.book"})
ACTIONS = TASK_ACTIONS | WAITLIST_ACTIONS | REMINDER_ACTIONS | BOOKING_ACTIONS
# Which model an action's object is, to find whose it is.
_OBJECT_CLIENT = {
    "appointments.appointment": (Appointment, "client_id"),
    "appointments.waitlistentry": (WaitlistEntry, "client_id"),
    "crm.task": (Task, "patient__client_id"),
}


@dataclass(frozen=True)
class Action:
    user_id: int
    client_id: int
    action: str
    at: dt.datetime


def call_window(comm: Communication, minutes: int) -> tuple[dt.datetime, dt.datetime]:
    """From the call's start to `minutes` after its end (its start when it never ended)."""
    ended = comm.ended_at or comm.started_at
    return comm.started_at, ended + dt.timedelta(minutes=minutes)


def _actions(
    practice: Practice, users: set[int], since: dt.datetime, until: dt.datetime
) -> list[Action]:
    """The audited actions of these users in [since, until], with the client each was for:
    one query for the log and one per kind of object."""
    rows = list(
        for_practice(AuditLog, practice)
        .filter(actor_id__in=users, at__gte=since, at__lte=until, action__in=ACTIONS)
        .values_list("actor_id", "action", "object_type", "object_id", "at")
    )
    ids: dict[str, set[int]] = defaultdict(set)
    for _actor, _action, object_type, object_id, _at in rows:
        ids[object_type].add(object_id)
    clients: dict[tuple[str, int], int] = {}
    for object_type, pks in ids.items():
        if object_type not in _OBJECT_CLIENT:
            continue
        model, path = _OBJECT_CLIENT[object_type]
        for pk, client_id in (
            for_practice(model, practice).filter(pk__in=pks).values_list("pk", path)
        ):
            clients[(object_type, pk)] = client_id
    return [
        Action(actor, clients[(object_type, object_id)], action, at)
        for actor, action, object_type, object_id, at in rows
        if (object_type, object_id) in clients
    ]


def _from_actions(actions: list[Action]) -> tuple[str, str]:
    """The purpose the employee's actions show, by precedence: a task, the waitlist (a
    booking turns it into 'wants to book'), a reminder, then a plain booking."""
    done = {a.action for a in actions}
    if done & TASK_ACTIONS:
        return Purpose.CRM_TASK, reason(
            gettext_noop("the employee acted on the patient's CRM task")
        )
    if done & WAITLIST_ACTIONS:
        if done & BOOKING_ACTIONS:
            return Purpose.WANTS_TO_BOOK, reason(
                gettext_noop("a waitlist call that ended in a booking")
            )
        return Purpose.WAITLIST, reason(
            gettext_noop("the employee acted on the patient's waitlist entry")
        )
    if done & REMINDER_ACTIONS:
        return Purpose.REMINDER, reason(
            gettext_noop("the employee moved, cancelled or notified an appointment")
        )
    return Purpose.WANTS_TO_BOOK, reason(gettext_noop("the employee booked an appointment"))


def _is_outgoing_call(comm: Communication) -> bool:
    return (
        comm.kind == Communication.Kind.CALL and comm.direction == Communication.Direction.OUTGOING
    )


def assign_purposes(
    practice: Practice, comms: Iterable[Communication], matches: dict[int, Match], window: int
) -> dict[int, tuple[str, str]]:
    """(purpose, reason) for each communication, by id; a fixed number of queries."""
    comms = list(comms)
    outgoing = [
        c for c in comms if _is_outgoing_call(c) and matches[c.pk].client_id and c.employee_id
    ]
    users = dict(
        for_practice(Membership, practice)
        .filter(pk__in={c.employee_id for c in outgoing})
        .values_list("pk", "user_id")
    )
    actions: list[Action] = []
    if outgoing:
        windows = [call_window(c, window) for c in outgoing]
        since, until = min(w[0] for w in windows), max(w[1] for w in windows)
        actions = _actions(practice, set(users.values()), since, until)
    by_who: dict[tuple[int, int], list[Action]] = defaultdict(list)
    for action in actions:
        by_who[(action.user_id, action.client_id)].append(action)
    return {comm.pk: _purpose(comm, matches[comm.pk], users, by_who, window) for comm in comms}


def _purpose(comm, match: Match, users, by_who, window: int) -> tuple[str, str]:
    if match.person_kind == Communication.PersonKind.EMPLOYEE:
        return Purpose.CONVERSATION, reason(gettext_noop("a conversation with an employee"))
    if not _is_outgoing_call(comm):
        return Purpose.WANTS_TO_BOOK, reason(gettext_noop("the person reached out to the practice"))
    if not match.client_id:
        return Purpose.CONVERSATION, reason(gettext_noop("the number is on no patient's card"))
    if not comm.employee_id:
        return Purpose.CONVERSATION, reason(gettext_noop("no employee on the call"))
    since, until = call_window(comm, window)
    acted = [
        a
        for a in by_who.get((users.get(comm.employee_id), match.client_id), [])
        if since <= a.at <= until
    ]
    if not acted:
        return Purpose.CONVERSATION, reason(
            gettext_noop(
                "no booking, task, waitlist or appointment change by the employee within "
                "%(minutes)s minutes of the call"
            ),
            minutes=window,
        )
    return _from_actions(acted)
