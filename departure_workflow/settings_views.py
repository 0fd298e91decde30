"""Settings → Failure reasons: the practice's reasons per departure action.

One small view per change (add, rename, up, down, deactivate, activate, delete), each:
access → service → back to the list. A refused change shows the list again with the
reason beside the field (422), nothing saved."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from practice.rights import Right
from practice.scoping import get_for_practice_or_404
from practice.views_helpers import staff_view

from . import failure_reasons as services
from .models import FailureReason
from .selectors import failure_reasons_by_action

LIST = "failure-reasons"


def _page(request, *, refused: tuple[str, str, str | None] | None = None, status: int = 200):
    """The list; `refused` = (the refused field's key, why, what was typed) puts the reason
    beside that field ('add-<kind>' or 'reason-<id>') and keeps what was typed."""
    lists = failure_reasons_by_action(request.practice)
    key, why, typed = refused or ("", "", None)
    for reason_list in lists:
        reason_list.error = why if key == f"add-{reason_list.kind}" else ""
        reason_list.typed = typed if reason_list.error else ""
        for reason in reason_list.reasons:
            reason.error = why if key == f"reason-{reason.pk}" else ""
            reason.value = typed if reason.error and typed is not None else reason.label
    return render(
        request,
        "departure_workflow/failure_reasons.html",
        {"lists": lists, "label_max": services.LABEL_MAX},
        status=status,
    )


def _refused(request, key: str, error: ValidationError, typed: str | None = None):
    """The list again, the service's reason beside the field it concerns (`key`)."""
    return _page(request, refused=(key, " ".join(error.messages), typed), status=422)


def _back(request, reason: FailureReason | None = None):
    url = reverse(LIST)
    return redirect(f"{url}#reason-{reason.pk}" if reason is not None else url)


@staff_view(Right.MANAGE_SETTINGS)
def failure_reason_list(request):
    return _page(request)


@require_POST
@staff_view(Right.MANAGE_SETTINGS)
def failure_reason_add(request):
    kind = request.POST.get("kind", "")
    label = request.POST.get("label", "")
    try:
        reason = services.failure_reason_add(
            request.practice, actor=request.user, kind=kind, label=label
        )
    except ValidationError as error:
        return _refused(request, f"add-{kind}", error, label)
    flash.success(request, _("Reason “%(reason)s” added.") % {"reason": reason.label})
    return _back(request, reason)


@require_POST
@staff_view(Right.MANAGE_SETTINGS)
def failure_reason_rename(request, reason_id: int):
    reason = get_for_practice_or_404(FailureReason, request.practice, reason_id)
    label = request.POST.get("label", "")
    try:
        services.failure_reason_rename(
            request.practice, actor=request.user, reason=reason, label=label
        )
    except ValidationError as error:
        return _refused(request, f"reason-{reason.pk}", error, label)
    flash.success(request, _("Reason renamed to “%(reason)s”.") % {"reason": reason.label})
    return _back(request, reason)


def _move(request, reason_id: int, *, up: bool):
    reason = get_for_practice_or_404(FailureReason, request.practice, reason_id)
    services.failure_reason_move(request.practice, actor=request.user, reason=reason, up=up)
    return _back(request, reason)


@require_POST
@staff_view(Right.MANAGE_SETTINGS)
def failure_reason_up(request, reason_id: int):
    return _move(request, reason_id, up=True)


@require_POST
@staff_view(Right.MANAGE_SETTINGS)
def failure_reason_down(request, reason_id: int):
    return _move(request, reason_id, up=False)


def _set_active(request, reason_id: int, *, active: bool):
    reason = get_for_practice_or_404(FailureReason, request.practice, reason_id)
    services.failure_reason_set_active(
        request.practice, actor=request.user, reason=reason, active=active
    )
    if active:
        flash.success(request, _("“%(reason)s” is offered at checkout again.") % {"reason": reason})
    else:
        flash.success(
            request,
            _("“%(reason)s” is no longer offered at checkout; its history stays.")
            % {"reason": reason},
        )
    return _back(request, reason)


@require_POST
@staff_view(Right.MANAGE_SETTINGS)
def failure_reason_deactivate(request, reason_id: int):
    return _set_active(request, reason_id, active=False)


@require_POST
@staff_view(Right.MANAGE_SETTINGS)
def failure_reason_activate(request, reason_id: int):
    return _set_active(request, reason_id, active=True)


@require_POST
@staff_view(Right.MANAGE_SETTINGS)
def failure_reason_delete(request, reason_id: int):
    reason = get_for_practice_or_404(FailureReason, request.practice, reason_id)
    try:
        services.failure_reason_delete(request.practice, actor=request.user, reason=reason)
    except ValidationError as error:
        return _refused(request, f"reason-{reason.pk}", error)
    flash.success(request, _("Reason “%(reason)s” deleted.") % {"reason": reason.label})
    return _back(request)
