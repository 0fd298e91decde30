"""Writes for the practice's failure reasons (Settings → Failure reasons).

A practice manages its own list per action: add, rename, move up or down, deactivate and
activate again. A reason that a recorded action names is never deleted: the history and
the report keep reading it. Deactivated, it is no longer offered at checkout
(`selectors.failure_reason_choices`) and still shows wherever it was used. Only a reason
no action has used can be deleted (a typo added a minute ago).

Each write needs the manage-settings right, checked here so the page and any other caller
cannot differ, and writes an audit row in its transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from practice.models import Practice
from practice.rights import Right, require_right
from practice.scoping import for_practice
from practice.services import audit_log_write

from .models import ActionKind, DepartureAction, FailureReason

LABEL_MAX = FailureReason._meta.get_field("label").max_length


def _clean_label(practice: Practice, kind: str, label: str, *, exclude: int | None = None) -> str:
    """The label as saved: trimmed, not empty, not too long, and not already on this action's
    list (in any letter case: 'Forgotten' and 'forgotten' read as one reason)."""
    label = " ".join((label or "").split())
    if not label:
        raise ValidationError({"label": _("Give the reason a name.")})
    if len(label) > LABEL_MAX:
        raise ValidationError({"label": _("At most %(n)d characters, please.") % {"n": LABEL_MAX}})
    taken = for_practice(FailureReason, practice).filter(kind=kind, label__iexact=label)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"label": _("This action already has that reason.")})
    return label


def _check_kind(kind: str) -> str:
    if kind not in ("", *ActionKind.values):
        raise ValidationError({"kind": _("Choose an action.")})
    return kind


@transaction.atomic
def failure_reason_add(practice: Practice, *, actor, kind: str, label: str) -> FailureReason:
    """Add a reason at the end of an action's list (`kind` empty: offered for every action)."""
    require_right(practice, actor, Right.MANAGE_SETTINGS)
    kind = _check_kind(kind)
    label = _clean_label(practice, kind, label)
    last = for_practice(FailureReason, practice).filter(kind=kind).aggregate(n=Max("position"))
    reason = FailureReason.objects.unscoped().create(
        practice=practice, kind=kind, label=label, position=(last["n"] or 0) + 1
    )
    audit_log_write(practice, actor=actor, action="failure_reason.add", obj=reason)
    return reason


@transaction.atomic
def failure_reason_rename(
    practice: Practice, *, actor, reason: FailureReason, label: str
) -> FailureReason:
    """Rename a reason; the actions that named it read the new name."""
    require_right(practice, actor, Right.MANAGE_SETTINGS)
    old = reason.label
    reason.label = _clean_label(practice, reason.kind, label, exclude=reason.pk)
    reason.save(update_fields=["label"])
    audit_log_write(
        practice,
        actor=actor,
        action="failure_reason.rename",
        obj=reason,
        data={"from": old, "to": reason.label},
    )
    return reason


@transaction.atomic
def failure_reason_move(
    practice: Practice, *, actor, reason: FailureReason, up: bool
) -> FailureReason:
    """Move a reason one place up or down in its action's list (the order checkout offers).

    The list is numbered afresh 1, 2, 3 …, so reasons that shared a position (older lists)
    get a definite order; the first reason moved up, or the last down, stays put."""
    require_right(practice, actor, Right.MANAGE_SETTINGS)
    siblings = list(
        for_practice(FailureReason, practice)
        .filter(kind=reason.kind)
        .select_for_update()
        .order_by("position", "label", "id")
    )
    at = next(i for i, r in enumerate(siblings) if r.pk == reason.pk)
    to = at - 1 if up else at + 1
    if 0 <= to < len(siblings):
        siblings[at], siblings[to] = siblings[to], siblings[at]
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position
    FailureReason.objects.unscoped().bulk_update(siblings, ["position"])
    audit_log_write(
        practice, actor=actor, action="failure_reason.move", obj=reason, data={"up": up}
    )
    return next(r for r in siblings if r.pk == reason.pk)


@transaction.atomic
def failure_reason_set_active(
    practice: Practice, *, actor, reason: FailureReason, active: bool
) -> FailureReason:
    """Deactivate a reason (no longer offered at checkout; history and report keep it) or
    offer it again."""
    require_right(practice, actor, Right.MANAGE_SETTINGS)
    reason.is_active = active
    reason.save(update_fields=["is_active"])
    audit_log_write(
        practice,
        actor=actor,
        action="failure_reason.activate" if active else "failure_reason.deactivate",
        obj=reason,
    )
    return reason


def failure_reason_is_used(practice: Practice, reason: FailureReason) -> bool:
    """Named by a recorded action: it stays, so the history reads as it was written."""
    return for_practice(DepartureAction, practice).filter(failure_reason=reason).exists()


@transaction.atomic
def failure_reason_delete(practice: Practice, *, actor, reason: FailureReason) -> None:
    """Delete a reason no action has used; a used one is refused (deactivate it instead)."""
    require_right(practice, actor, Right.MANAGE_SETTINGS)
    if failure_reason_is_used(practice, reason):
        raise ValidationError(
            _(
                "“%(reason)s” is named by recorded actions, so it stays for their history. "
                "Deactivate it instead: it is then no longer offered at checkout."
            )
            % {"reason": reason.label}
        )
    label = reason.label
    audit_log_write(
        practice, actor=actor, action="failure_reason.delete", obj=reason, data={"label": label}
    )
    reason.delete()
