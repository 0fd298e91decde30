"""Staff entry in the contact history: a conversation recorded by hand, a request marked
processed, a call relinked to the web request it answered.

A recorded dialog keeps both times: the one the staff member states (when the talk took
place, given on the practice's wall clock) in `started_at`, and when it was entered in
`entered_at`. Every write here ends with `crm.derive.communications_changed`.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from practice import localtime
from practice.models import Practice
from practice.rights import Right, require_right
from practice.scoping import for_practice

from . import derive
from .models import Communication
from .models.history import Source
from .phones import practice_phone
from .reasons import reason

Kind = Communication.Kind
Status = Communication.Status
PROCESSABLE = (Kind.WEB_REQUEST, Kind.REQUEST_DIALOG)
RELINK_DAYS = 30  # how far back a call's web request may be chosen


@transaction.atomic
def dialog_record(
    practice: Practice,
    *,
    actor,
    kind: str,
    stated_at: dt.datetime,
    direction: str = Communication.Direction.INCOMING,
    phone: str = "",
    name: str = "",
    email: str = "",
    text: str = "",
) -> Communication:
    """Record a Dialog (finished) or a Request-dialog (needs a call back), told by staff."""
    employee = require_right(practice, actor, Right.CONTACT_HISTORY)
    if kind not in (Kind.DIALOG, Kind.REQUEST_DIALOG):
        raise ValidationError({"kind": _("Choose a dialog or a request-dialog.")})
    if stated_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"stated_time": _("A conversation cannot be in the future.")})
    number = practice_phone(practice, phone)
    if not (number.raw or name.strip() or email.strip()):
        raise ValidationError(_("Give the number, the name or the email of who it was."))
    finished = kind == Kind.DIALOG
    communication = Communication.objects.unscoped().create(
        practice=practice,
        kind=kind,
        direction=direction,
        status=Status.FINISHED if finished else Status.NEEDS_CALLBACK,
        status_reason=(
            reason(gettext_noop("Recorded by staff."))
            if finished
            else reason(gettext_noop("Needs a call back."))
        ),
        source=Source.STAFF,
        started_at=stated_at,
        local_date=localtime.local_date(stated_at, practice.tz),
        phone_raw=number.raw,
        phone_e164=number.e164,
        name_given=name.strip()[:200],
        email=email.strip().lower(),
        text=text.strip(),
        employee=employee,
    )
    derive.communications_changed(practice, [communication.pk])
    return communication


@transaction.atomic
def communication_mark_processed(
    practice: Practice, *, actor, communication: Communication
) -> Communication:
    """A web request or request-dialog handled: when and by whom. Twice keeps the first."""
    member = require_right(practice, actor, Right.CONTACT_HISTORY)
    c = for_practice(Communication, practice).select_for_update().get(pk=communication.pk)
    if c.kind not in PROCESSABLE:
        raise ValidationError(_("Only a web request or a request-dialog is processed."))
    if c.processed_at is None:
        c.processed_at, c.processed_by = timezone.now(), member
        c.status, c.status_reason = (
            Status.PROCESSED,
            reason(gettext_noop("Marked processed by staff.")),
        )
        c.save(update_fields=["processed_at", "processed_by", "status", "status_reason"])
        derive.communications_changed(practice, [c.pk])
    return c


def relink_candidates(practice: Practice, call: Communication) -> QuerySet[Communication]:
    """Web requests a call may have answered: the practice's, up to the call and at most
    RELINK_DAYS before it; those of the same number first."""
    return (
        for_practice(Communication, practice)
        .filter(
            kind=Kind.WEB_REQUEST,
            started_at__lte=call.started_at,
            started_at__gte=call.started_at - dt.timedelta(days=RELINK_DAYS),
        )
        .order_by("-started_at", "-id")
    )


@transaction.atomic
def call_relink(
    practice: Practice, *, actor, call: Communication, web_request: Communication | None
) -> Communication:
    """Link `call` to the web request it answered (None: unlink). The call, the request it
    had and the new one are all derived again (their contacts and results change)."""
    require_right(practice, actor, Right.CONTACT_HISTORY)
    call = for_practice(Communication, practice).select_for_update().get(pk=call.pk)
    if call.kind != Kind.CALL:
        raise ValidationError(_("Only a call is linked to the web request it answered."))
    if (
        web_request is not None
        and not relink_candidates(practice, call).filter(pk=web_request.pk).exists()
    ):
        raise ValidationError(
            {"web_request": _("Choose a web request of this practice made before the call.")}
        )
    changed = {call.pk, call.answers_request_id, getattr(web_request, "pk", None)} - {None}
    call.answers_request = web_request
    call.save(update_fields=["answers_request", "updated_at"])
    derive.communications_changed(practice, sorted(changed))
    return call
