"""Staff entry pages of the contact history: record a dialog, a conversation's page with its
comments and actions (mark processed, relink to a web request, comment), a comment by
number and time, and the comments that attached to nothing. The report pages live in
`reports`; these are the forms it links to."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from practice.rights import Right
from practice.scoping import for_practice, get_for_practice_or_404
from practice.views_helpers import apply_validation_error, staff_view

from . import comments, entry
from .entry_forms import CommentForm, CommentOnForm, DialogForm, RelinkForm
from .models import Comment, Communication


def _detail_url(communication: Communication) -> str:
    return reverse("contact-communication", args=[communication.pk])


@staff_view(Right.CONTACT_HISTORY)
def dialog_new(request: HttpRequest) -> HttpResponse:
    """Record a Dialog or Request-dialog."""
    practice = request.practice
    form = DialogForm(request.POST or None, practice=practice)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            communication = entry.dialog_record(
                practice,
                actor=request.user,
                kind=data["kind"],
                stated_at=data["stated_at"],
                direction=data["direction"],
                phone=data["phone"],
                name=data["name"],
                text=data["text"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Recorded."))
            return redirect(_detail_url(communication))
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/dialog_form.html", {"form": form}, status=status)


def _detail(request: HttpRequest, communication: Communication, *, comment_form=None, status=200):
    practice = request.practice
    attached = (
        for_practice(Comment, practice)
        .filter(communication=communication)
        .select_related("author", "author__user")
    )
    return render(
        request,
        "crm/communication_detail.html",
        {
            "c": communication,
            "comments": attached,
            "comment_form": comment_form or CommentOnForm(),
            "processable": communication.kind in entry.PROCESSABLE
            and communication.processed_at is None,
            "relinkable": communication.kind == Communication.Kind.CALL,
        },
        status=status,
    )


def _communication(request: HttpRequest, communication_id: int) -> Communication:
    return get_for_practice_or_404(Communication, request.practice, communication_id)


@staff_view(Right.CONTACT_HISTORY)
def communication_page(request: HttpRequest, communication_id: int) -> HttpResponse:
    return _detail(request, _communication(request, communication_id))


@staff_view(Right.CONTACT_HISTORY)
@require_POST
def communication_processed(request: HttpRequest, communication_id: int) -> HttpResponse:
    communication = _communication(request, communication_id)
    try:
        entry.communication_mark_processed(
            request.practice, actor=request.user, communication=communication
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _detail(request, communication, status=400)
    messages.success(request, _("Marked processed."))
    return redirect(_detail_url(communication))


@staff_view(Right.CONTACT_HISTORY)
def call_relink(request: HttpRequest, communication_id: int) -> HttpResponse:
    """Pick the web request a call answered."""
    practice = request.practice
    call = _communication(request, communication_id)
    if call.kind != Communication.Kind.CALL:
        messages.error(request, _("Only a call is linked to the web request it answered."))
        return redirect(_detail_url(call))
    candidates = entry.relink_candidates(practice, call)
    initial = {"web_request": call.answers_request_id}
    form = RelinkForm(
        request.POST or None, initial=initial, candidates=candidates, practice=practice
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry.call_relink(
                practice,
                actor=request.user,
                call=call,
                web_request=form.cleaned_data["web_request"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Link saved."))
            return redirect(_detail_url(call))
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/relink_form.html", {"form": form, "c": call}, status=status)


@staff_view(Right.CONTACT_HISTORY)
@require_POST
def comment_on(request: HttpRequest, communication_id: int) -> HttpResponse:
    """A comment on this conversation (on a chat: its author becomes the chat's employee)."""
    communication = _communication(request, communication_id)
    form = CommentOnForm(request.POST)
    if form.is_valid():
        try:
            comments.comment_add(
                request.practice,
                actor=request.user,
                text=form.cleaned_data["text"],
                stated_at=timezone.now(),
                communication=communication,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Comment added."))
            return redirect(_detail_url(communication))
    return _detail(request, communication, comment_form=form, status=400)


@staff_view(Right.CONTACT_HISTORY)
def comment_new(request: HttpRequest) -> HttpResponse:
    """A comment by number, direction and time: attached to that call, or kept on its own."""
    practice = request.practice
    form = CommentForm(request.POST or None, practice=practice)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            comment = comments.comment_add(
                practice,
                actor=request.user,
                text=data["text"],
                stated_at=data["stated_at"],
                phone=data["phone"],
                direction=data["direction"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if comment.communication_id:
                messages.success(request, _("The comment was added to the call."))
                return redirect(_detail_url(comment.communication))
            messages.info(request, _("No call matched: the comment is kept on its own."))
            return redirect("contact-comments")
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/comment_form.html", {"form": form}, status=status)


@staff_view(Right.CONTACT_HISTORY)
def unattached_comments(request: HttpRequest) -> HttpResponse:
    found = list(comments.unattached_comments(request.practice)[:200])
    return render(request, "crm/comments_unattached.html", {"comments": found})


@staff_view(Right.CONTACT_HISTORY)
@require_POST
def comment_delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = get_for_practice_or_404(Comment, request.practice, comment_id)
    try:
        comments.comment_delete(request.practice, actor=request.user, comment=comment)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Comment deleted."))
    return redirect("contact-comments")
