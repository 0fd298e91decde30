"""Which actions apply when a patient leaves, and how each one is judged.

Pure rules over data already loaded: `services` calls them when it builds and completes
a departure list, so every rule of the issue lives in one readable place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from appointments.models import Appointment
from messaging.models import Message
from patients.models import Client

from .models import ActionKind, DepartureAction, Outcome, PostponeReason

# 'Prompt in 12 months': the detail is not asked for again until then.
PROMPT_LATER = relativedelta(months=12)
# A recall due within this time (or marked by the practitioner) is booked at checkout.
RECALL_HORIZON = relativedelta(months=3)
# What a booking for each action looks like, to open the calendar with the right type.
BOOKING_CATEGORY = {
    ActionKind.PLANNED_TREATMENT: "treatment",
    ActionKind.DENTIST_RECALL: "dentist_recall",
    ActionKind.HYGIENIST_RECALL: "hygienist_recall",
}
BOOKING_KINDS = frozenset(BOOKING_CATEGORY)
DETAIL_KINDS = frozenset({ActionKind.MOBILE, ActionKind.EMAIL, ActionKind.MARKETING_CONSENT})
# The client field that holds 'do not ask until' for each detail.
PROMPT_FIELD = {
    ActionKind.MOBILE: "mobile_prompt_after",
    ActionKind.EMAIL: "email_prompt_after",
    ActionKind.MARKETING_CONSENT: "marketing_prompt_after",
}
UNSENT = (Message.Status.FAILED, Message.Status.UNDELIVERED, Message.Status.CANCELLED)


def prompt_later_until(today: dt.date) -> dt.date:
    return today + PROMPT_LATER


def _postponed(client: Client, kind: str, today: dt.date) -> bool:
    until = getattr(client, PROMPT_FIELD[kind])
    return until is not None and until > today


def detail_on_file(client: Client, kind: str) -> bool:
    """A mobile or email is on file; consent is an explicit yes or no (with who and when)."""
    if kind == ActionKind.MOBILE:
        return bool(client.mobile)
    if kind == ActionKind.EMAIL:
        return bool(client.email)
    return client.marketing_consent is not None and client.marketing_consent_at is not None


def detail_needed(client: Client, kind: str, today: dt.date) -> bool:
    """Collect Mobile / Email / Marketing Consent apply unless on file or postponed."""
    return not detail_on_file(client, kind) and not _postponed(client, kind, today)


def recall_needed(recall, today: dt.date) -> bool:
    return recall.to_book or recall.due_date <= today + RECALL_HORIZON


@dataclass(frozen=True)
class Judgement:
    outcome: str
    postpone_reason: str = ""
    postpone_note: str = ""


def judge_booking_link(link_message: Message) -> Judgement:
    """'Book Planned Treatment' with nothing booked rests on the online booking link: the
    patient must receive it. Postponed while it is on its way or delivered; failed once it
    failed, came back undelivered or was never sent. Judged at checkout, and again each time
    the link's outcome changes after it (see `services.action_follow_booking_link`)."""
    if link_message.status in UNSENT:
        return Judgement(Outcome.FAILED)
    return Judgement(
        Outcome.POSTPONED,
        PostponeReason.BOOKING_LINK_SENT,
        _("Online booking link sent by %(channel)s to %(to)s")
        % {"channel": link_message.get_channel_display(), "to": link_message.recipient},
    )


def booking_link_failure(link_message: Message) -> str:
    """Why the link did not reach the patient, for the history and the failure details."""
    reason = link_message.error_text or link_message.get_status_display()
    return _("Online booking link not delivered: %(reason)s") % {"reason": reason}


def judge(
    action: DepartureAction,
    *,
    client: Client,
    clicked_all_links: bool,
    booked: Appointment | None,
    link_message: Message | None,
) -> Judgement:
    """The outcome of one action when reception completes the workflow."""
    kind = action.kind
    if kind == ActionKind.PLANNED_TREATMENT:
        if booked is not None:
            return Judgement(Outcome.SUCCESS)
        if link_message is not None:
            return judge_booking_link(link_message)
        return Judgement(Outcome.FAILED)
    if kind in (ActionKind.DENTIST_RECALL, ActionKind.HYGIENIST_RECALL):
        return Judgement(Outcome.SUCCESS if booked is not None else Outcome.FAILED)
    if kind == ActionKind.PAYMENT:
        paid_enough = action.paid_amount >= (action.amount_due or Decimal(0))
        return Judgement(
            Outcome.SUCCESS if action.paid_amount > 0 and paid_enough else Outcome.FAILED
        )
    if kind in DETAIL_KINDS:
        if detail_on_file(client, kind):
            return Judgement(Outcome.SUCCESS)
        if action.prompt_later:
            until = getattr(client, PROMPT_FIELD[kind])
            return Judgement(
                Outcome.POSTPONED,
                PostponeReason.PROMPT_LATER,
                # The date only: the page words it in the reader's language (postpone_text).
                until.isoformat() if until else "",
            )
        return Judgement(Outcome.FAILED)
    if kind == ActionKind.CUSTOM:
        return Judgement(Outcome.SUCCESS if clicked_all_links else Outcome.FAILED)
    raise ValueError(f"Unknown departure action {kind}")
