"""Reports → Contact history: the page (two views), its htmx parts, the CSV and the patient
card's panel. The figures come from reports.contact_history; these views only check the
input, call it and render."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from crm.models import Communication, Contact
from patients.access import access_patient_by_id
from practice import localtime
from practice.parsing import InvalidInput, parse_id
from practice.rights import Right
from practice.scoping import get_for_practice_or_404
from practice.views_helpers import is_htmx, staff_view

from . import contact_history as history
from . import csv_files
from .contact_forms import GROUPED, ContactHistoryForm

PAGE_SIZE = 50
CONTACTS_SHOWN = 100
POLL_SECONDS = 45
PATIENT_DAYS = 365  # a patient's history opens on their last year


def _form(request: HttpRequest) -> ContactHistoryForm:
    return ContactHistoryForm(request.GET, practice=request.practice)


def decorate(rows, practice) -> list[Communication]:
    """Local time, highlight and who for the rows shown (a page of them, not the period)."""
    tz = practice.tz
    today = history.local_today(practice)
    days = history.overdue_days(practice)
    for c in rows:
        c.local_day = c.local_date
        c.local_time = localtime.time_label(c.started_at, tz)
        c.marks = history.row_marks(c, today, days)
        c.who = _who(c)
    return rows


def _who(c: Communication) -> str:
    if c.patient_id and c.client_id and c.patient.name != c.client.full_name:
        return f"{c.patient.name} ({c.client.full_name})"
    if c.patient_id:
        return c.patient.name
    if c.client_id:
        return c.client.full_name
    return c.name_given or c.phone_raw or c.email or _("Withheld number")


def _list_context(request: HttpRequest, form: ContactHistoryForm, filters) -> dict:
    practice = request.practice
    page = Paginator(history.communication_list(practice, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = history.local_today(practice)
    return {
        "page": page,
        "rows": decorate(list(page.object_list), practice),
        "query": form.query(),
        # Only a period that includes today changes while the manager watches it.
        "poll": filters.date_from <= today <= filters.date_to,
        "poll_seconds": POLL_SECONDS,
    }


@staff_view(Right.CONTACT_HISTORY)
def contact_history(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    # The view asked for, even when the filters are refused (its fields show their errors).
    context: dict = {
        "form": form,
        "view": GROUPED if request.GET.get("view") == GROUPED else "list",
    }
    if form.is_valid():
        filters = form.filters()
        practice = request.practice
        context.update(
            filters=filters,
            view=form.view_name(),
            list_query=form.query(view="list"),
            grouped_query=form.query(view=GROUPED),
            summary=history.missed_today(practice, history.local_today(practice)),
        )
        if form.view_name() == GROUPED:
            labels = history.Labels(form.employee_names, form.channel_names)
            levels = form.levels()
            context.update(
                report=history.grouped_report(practice, filters, levels, labels),
                levels=levels,
                level_labels=[history.LEVELS[level][1] for level in levels],
                revenue=history.revenue_per_channel(practice, filters),
                speed=history.speed_to_answer(practice, filters, labels),
                query=form.query(),
            )
        else:
            context.update(_list_context(request, form, filters))
    status = 200 if form.is_valid() else 400
    return render(request, "reports/contact_history.html", context, status=status)


@staff_view(Right.CONTACT_HISTORY)
def contact_history_table(request: HttpRequest) -> HttpResponse:
    """The 'No grouping' table alone: what the page polls during the day."""
    form = _form(request)
    if not form.is_valid():
        return _bad_input(form)
    context = _list_context(request, form, form.filters())
    return render(request, "reports/_contact_table.html", context)


def _bad_input(form) -> HttpResponse:
    text = " ".join(str(m) for errors in form.errors.values() for m in errors)
    return HttpResponseBadRequest(text)


def _path(request: HttpRequest, levels: list[str]) -> tuple[tuple[str, object], ...]:
    """The group being opened, from `key1`.. `keyN` (one per level above it)."""
    path = []
    for depth, level in enumerate(levels, start=1):
        name = f"key{depth}"
        if name not in request.GET:
            break
        path.append((level, _key(level, request.GET[name], name)))
    return tuple(path)


def _key(level: str, raw: str, name: str) -> object:
    if level in ("employee", "channel"):
        return None if raw == "" else parse_id(raw, field=name)
    if level == "result":
        if raw == "":
            return None
        if raw not in Contact.Result.values:
            raise InvalidInput(name, _("Unknown result."))
        return raw
    if level == "purpose" and raw not in Communication.Purpose.values:
        raise InvalidInput(name, _("Unknown type."))
    if len(raw) > 100:
        raise InvalidInput(name, _("Too long."))
    return raw


@staff_view(Right.CONTACT_HISTORY)
def contact_history_group(request: HttpRequest) -> HttpResponse:
    """One group opened: its next level's groups or, at the last level, its contacts."""
    form = _form(request)
    if not form.is_valid():
        return _bad_input(form)
    levels = form.levels()
    try:
        path = _path(request, levels)
    except InvalidInput as error:
        return HttpResponseBadRequest(error.message)
    practice, filters = request.practice, form.filters()
    context = {"query": form.query(), "levels": levels, "depth": len(path)}
    if len(path) < len(levels):
        labels = history.Labels(form.employee_names, form.channel_names)
        level = levels[len(path)]
        context["rows"] = history.group_rows(practice, filters, level, path, labels)
        return render(request, "reports/_contact_groups.html", context)
    contacts = history.contacts_in(practice, filters, path)
    context["contacts"] = list(contacts[: CONTACTS_SHOWN + 1])
    context["more"] = len(context["contacts"]) > CONTACTS_SHOWN
    context["contacts"] = context["contacts"][:CONTACTS_SHOWN]
    return render(request, "reports/_contact_contacts.html", context)


@staff_view(Right.CONTACT_HISTORY)
def contact_history_contact(request: HttpRequest, contact_id: int) -> HttpResponse:
    """A contact opened down to its communications and the records it led to."""
    practice = request.practice
    contact = get_for_practice_or_404(Contact, practice, contact_id)
    communications, records = history.contact_detail(practice, contact)
    return render(
        request,
        "reports/_contact_detail.html",
        {"contact": contact, "rows": decorate(communications, practice), "records": records},
    )


@staff_view(Right.CONTACT_HISTORY)
def communication_channel(request: HttpRequest, communication_id: int) -> HttpResponse:
    """'Why this channel': the rules in the order they are tried and the one that fired."""
    practice = request.practice
    communication = get_for_practice_or_404(Communication, practice, communication_id)
    rules = history.rules_in_order(practice, communication.kind)
    template = "_channel_why.html" if is_htmx(request) else "channel_why.html"
    return render(
        request,
        f"reports/{template}",
        {"c": communication, "rules": rules},
    )


@staff_view(Right.CONTACT_HISTORY)
def patient_contact_history(request: HttpRequest, patient_id: int) -> HttpResponse:
    """One patient's history (the patient card's panel; a page without JavaScript)."""
    practice = request.practice
    patient = access_patient_by_id(practice, patient_id)
    form = ContactHistoryForm(request.GET, practice=practice, default_days=PATIENT_DAYS)
    if not form.is_valid():
        return _bad_input(form)
    filters = form.filters().with_patient(patient.pk)
    page = Paginator(history.communication_list(practice, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    template = "_patient_contacts.html" if is_htmx(request) else "patient_contacts.html"
    return render(
        request,
        f"reports/{template}",
        {
            "patient": patient,
            "form": form,
            "filters": filters,
            "page": page,
            "rows": decorate(list(page.object_list), practice),
            "query": form.query(),
        },
    )


def _list_lines(practice, filters) -> Iterator[str]:
    writer = csv_files.writer()
    yield writer.writerow(
        [
            _("Date"),
            _("Time"),
            _("Kind"),
            _("Direction"),
            _("Who"),
            _("New patient"),
            _("Number"),
            _("Email"),
            _("Type"),
            _("Topic"),
            _("Employee"),
            _("Status"),
            _("Waiting (s)"),
            _("Duration (s)"),
            _("Channel"),
            _("Result"),
            _("Recovery"),
            _("Recovery (min)"),
        ]
    )
    tz = practice.tz
    rows = history.communication_list(practice, filters).iterator(chunk_size=2000)
    for c in rows:
        yield writer.writerow(
            [
                c.local_date.isoformat(),
                localtime.time_label(c.started_at, tz),
                c.get_kind_display(),
                c.get_direction_display(),
                _who(c),
                _("yes") if c.person_kind == Communication.PersonKind.NEW_PATIENT else "",
                c.phone_raw,
                c.email,
                c.get_purpose_display(),
                c.topic,
                c.employee.name if c.employee_id else "",
                c.get_status_display(),
                "" if c.wait_seconds is None else c.wait_seconds,
                "" if c.duration_seconds is None else c.duration_seconds,
                str(c.channel) if c.channel_id else "",
                c.contact.get_result_display() if c.contact_id else "",
                c.get_recovery_display() if c.recovery else "",
                "" if c.recovery_minutes is None else c.recovery_minutes,
            ]
        )


def _grouped_lines(practice, filters, levels, labels) -> Iterator[str]:
    writer = csv_files.writer()
    names = [str(history.LEVELS[level][1]) for level in levels]
    yield writer.writerow(
        [
            *names,
            _("Contacts"),
            _("Success"),
            _("Success %"),
            _("Communications"),
            _("Avg. waiting (s)"),
            _("Avg. duration (s)"),
        ]
    )
    # Each depth is its own GROUP BY (distinct contacts do not add up); a group's line comes
    # before the lines inside it.
    by_depth = [
        history.group_rows_flat(practice, filters, levels[:depth], labels)
        for depth in range(1, len(levels) + 1)
    ]
    lines = [row for rows in by_depth for row in rows]
    label_paths = {
        id(row): tuple(labels.of(level, key) for level, key in row.path) for row in lines
    }
    lines.sort(key=lambda row: label_paths[id(row)])
    total = history.group_total(practice, filters, by_depth[0])
    for row in [*lines, total]:
        path = label_paths.get(id(row), (str(total.label),))
        yield writer.writerow(
            [
                *path,
                *[""] * (len(levels) - len(path)),
                row.contacts,
                row.success,
                csv_files.number(row.success_pct),
                row.communications,
                "" if row.avg_wait is None else round(row.avg_wait),
                "" if row.avg_duration is None else round(row.avg_duration),
            ]
        )


@staff_view(Right.CONTACT_HISTORY)
def contact_history_csv(request: HttpRequest) -> HttpResponse:
    """Either view as CSV with the current filters, streamed (a month can be 100,000 rows)."""
    form = _form(request)
    if not form.is_valid():
        return _bad_input(form)
    practice, filters = request.practice, form.filters()
    if form.view_name() == GROUPED:
        labels = history.Labels(form.employee_names, form.channel_names)
        lines = _grouped_lines(practice, filters, form.levels(), labels)
        name = "contacts-grouped"
    else:
        lines = _list_lines(practice, filters)
        name = "contacts"
    return csv_files.streamed(lines, f"{name}-{filters.date_from}-{filters.date_to}.csv")
