"""Staff comments on conversations.

A comment names a number, a direction and a time. It attaches to the call of that number
and direction whose start lies within the practice's window
(`ContactSettings.comment_window_minutes`, both edges included); when no call is there
yet it stays on its own, shows as such and may be deleted, and it attaches when that call
comes in later (crm.events calls `attach_orphan_comments`). A comment written on a chat
makes its author that chat's employee, so the chat counts in their conversion.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from practice.models import Membership, Practice
from practice.rights import Right, require_right
from practice.scoping import for_practice

from . import derive
from .models import Comment, Communication
from .phones import practice_phone
from .selectors import contact_settings

TEXT_MAX = 2000


def comment_window(practice: Practice) -> dt.timedelta:
    return dt.timedelta(minutes=contact_settings(practice).comment_window_minutes)


def calls_near(
    practice: Practice, *, phone_e164: str, direction: str, at: dt.datetime
) -> QuerySet[Communication]:
    """Calls a comment at `at` about `phone_e164` in `direction` attaches to, nearest first.
    The one owner of the window rule. A withheld or unreadable number matches nothing."""
    if not phone_e164 or not direction:
        return for_practice(Communication, practice).none()
    window = comment_window(practice)
    return (
        for_practice(Communication, practice)
        .filter(
            kind=Communication.Kind.CALL,
            phone_e164=phone_e164,
            direction=direction,
            started_at__gte=at - window,
            started_at__lte=at + window,
        )
        .order_by("started_at", "id")
    )


def _nearest(calls: QuerySet[Communication], at: dt.datetime) -> Communication | None:
    return min(calls, key=lambda c: (abs(c.started_at - at), c.pk), default=None)


def attach_orphan_comments(practice: Practice, call: Communication) -> int:
    """Attach the unattached comments that fall in `call`'s window (the call came in after
    the comment was written). Returns how many."""
    if not call.phone_e164:
        return 0
    window = comment_window(practice)
    return (
        for_practice(Comment, practice)
        .filter(
            communication__isnull=True,
            phone_e164=call.phone_e164,
            direction=call.direction,
            stated_at__gte=call.started_at - window,
            stated_at__lte=call.started_at + window,
        )
        .update(communication=call)
    )


def chat_employee_from_comments(practice: Practice, chat: Communication) -> Membership | None:
    """The author of the latest comment on `chat`: commenting makes them its employee."""
    if chat.pk is None:
        return None
    last = (
        for_practice(Comment, practice)
        .filter(communication=chat)
        .select_related("author")
        .order_by("-stated_at", "-id")
        .first()
    )
    return last.author if last else None


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the comment.")})
    if len(text) > TEXT_MAX:
        raise ValidationError({"text": _("At most %(n)d characters.") % {"n": TEXT_MAX}})
    return text


@transaction.atomic
def comment_add(
    practice: Practice,
    *,
    actor,
    text: str,
    stated_at: dt.datetime,
    phone: str = "",
    direction: str = "",
    communication: Communication | None = None,
) -> Comment:
    """Add a comment: on `communication` when given (from its page), else on the call of
    `phone` and `direction` near `stated_at` (see `calls_near`), else on its own."""
    author = require_right(practice, actor, Right.CONTACT_HISTORY)
    if author is None:
        raise ValidationError(_("Only a staff member of the practice can comment."))
    text = _clean_text(text)
    number = practice_phone(practice, phone)
    if communication is not None:
        communication = for_practice(Communication, practice).get(pk=communication.pk)
        number = practice_phone(practice, phone or communication.phone_raw)
        direction = direction or communication.direction
    else:
        communication = _nearest(
            calls_near(practice, phone_e164=number.e164, direction=direction, at=stated_at),
            stated_at,
        )
    comment = Comment.objects.unscoped().create(
        practice=practice,
        author=author,
        text=text,
        stated_at=stated_at,
        phone_raw=number.raw,
        phone_e164=number.e164,
        direction=direction,
        communication=communication,
    )
    if communication is not None:
        if communication.kind == Communication.Kind.CHAT:
            communication.employee = author
            communication.save(update_fields=["employee", "updated_at"])
        derive.communications_changed(practice, [communication.pk])
    return comment


@transaction.atomic
def comment_delete(practice: Practice, *, actor, comment: Comment) -> None:
    """Delete a comment that attached to nothing; one on a conversation stays with it."""
    require_right(practice, actor, Right.CONTACT_HISTORY)
    comment = for_practice(Comment, practice).select_for_update().get(pk=comment.pk)
    if comment.communication_id is not None:
        raise ValidationError(_("This comment belongs to a conversation and stays with it."))
    comment.delete()


def unattached_comments(practice: Practice) -> QuerySet[Comment]:
    """Comments that attached to nothing, newest first: shown on their own."""
    return (
        for_practice(Comment, practice)
        .filter(communication__isnull=True)
        .select_related("author", "author__user")
        .order_by("-stated_at", "-id")
    )
