"""Report pages and their CSV / PDF exports. The figures come from reports.departure."""

from __future__ import annotations

import csv

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from practice import localtime
from practice.views_helpers import staff_view

from . import departure
from .forms import DepartureReportForm

PAGE_SIZE = 50
PDF_ROW_LIMIT = 1000


def _report_inputs(request):
    """The checked filters (restricted to the viewer) and chosen columns, or the bound form."""
    membership = request.membership
    if not departure.can_read_report(membership):
        raise PermissionDenied(_("Your role does not allow this."))
    own_only = not departure.has_right(membership, departure.Right.VIEW_REPORTS)
    form = DepartureReportForm(request.GET, practice=request.practice, lock_practitioner=own_only)
    if not form.is_valid():
        return form, None, []
    filters = departure.restrict_to_viewer(form.filters(), membership)
    return form, filters, form.chosen_columns()


def _user_name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _failed_cell(workflow, kind: str) -> str:
    action = next((a for a in workflow.failed_actions if a.kind == kind), None)
    if action is None:
        return ""
    reason = action.failure_reason.label if action.failure_reason else action.failure_note
    return f"✗ {reason}".strip()


# One function per column; a row computes only the columns asked for (the CSV of a year
# has hundreds of thousands of rows).
CELL = {
    "date": lambda w: formats.date_format(w.local_date, "SHORT_DATE_FORMAT"),
    "time": lambda w: localtime.to_local(w.appointment.starts_at, w.location.tz).strftime("%H:%M"),
    "patient": lambda w: w.patient.name,
    "client": lambda w: w.client.full_name,
    "practitioner": lambda w: w.practitioner.name,
    "location": lambda w: w.location.name,
    "receptionist": lambda w: _user_name(w.completed_by),
    "failed": lambda w: ", ".join(str(a.get_kind_display()) for a in w.failed_actions),
    **{kind: (lambda w, kind=kind: _failed_cell(w, kind)) for kind in departure.ActionKind.values},
}


def _cells(workflow, columns: list[str]) -> list[str]:
    return [CELL[c](workflow) for c in columns]


@staff_view()
def departure_report(request):
    form, filters, columns = _report_inputs(request)
    context = {"form": form, "columns": columns, "column_labels": departure.DETAIL_COLUMNS}
    if filters is not None:
        figures = departure.departure_report(request.practice, filters)
        page = Paginator(departure.failed_workflows(request.practice, filters), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        query = {**filters.as_query()}
        keep = [("columns", c) for c in columns]
        context.update(
            figures=figures,
            page=page,
            rows=[(w, _cells(w, columns)) for w in page.object_list],
            export_query=urlencode([*query.items(), *keep]),
            page_query=urlencode([*query.items(), *keep]),
            filters=filters,
        )
    status = 200 if form.is_valid() else 400
    return render(request, "reports/departure.html", context, status=status)


class _Echo:
    """csv.writer target that hands each line back, for streaming."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(practice, filters, columns, language: str):
    # The server reads this after the view returned: keep the request's language.
    with translation.override(language):
        yield from _csv_rows(practice, filters, columns)


def _csv_rows(practice, filters, columns):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # Excel opens UTF-8 (ë, ä, я) correctly with a BOM
    yield writer.writerow(
        [
            _("Action"),
            _("Total"),
            _("Success"),
            _("Success %"),
            _("Failed"),
            _("Failed %"),
            _("Postponed"),
            _("Postponed %"),
            _("Postponement reasons"),
            _("Failure reasons"),
        ]
    )
    for f in departure.departure_report(practice, filters):
        yield writer.writerow(
            [
                f.label,
                f.total,
                f.success,
                f.success_pct,
                f.failed,
                f.failed_pct,
                f.postponed,
                f.postponed_pct,
                "; ".join(f"{r}: {n}" for r, n in f.postponement_reasons),
                "; ".join(f"{r}: {n}" for r, n in f.failure_reasons),
            ]
        )
    yield writer.writerow([])
    yield writer.writerow([_("Failed workflows")])
    yield writer.writerow([str(departure.DETAIL_COLUMNS[c]) for c in columns])
    for workflow in departure.failed_workflows(practice, filters).iterator(chunk_size=2000):
        yield writer.writerow(_cells(workflow, columns))


@staff_view()
def departure_report_csv(request):
    """Streamed: a year of failed workflows is hundreds of thousands of rows."""
    form, filters, columns = _report_inputs(request)
    if filters is None:
        return HttpResponse(" ".join(m for e in form.errors.values() for m in e), status=400)
    response = StreamingHttpResponse(
        _csv_lines(request.practice, filters, columns, translation.get_language()),
        content_type="text/csv; charset=utf-8",
    )
    name = f"departure-report-{filters.date_from}-{filters.date_to}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_view()
def departure_report_pdf(request):
    from weasyprint import HTML  # imported here: loading it costs ~0.3 s

    form, filters, columns = _report_inputs(request)
    if filters is None:
        return HttpResponse(" ".join(m for e in form.errors.values() for m in e), status=400)
    workflows = departure.failed_workflows(request.practice, filters)
    total_rows = workflows.count()
    html = render_to_string(
        "reports/departure_pdf.html",
        {
            "practice": request.practice,
            "filters": filters,
            "figures": departure.departure_report(request.practice, filters),
            "columns": [departure.DETAIL_COLUMNS[c] for c in columns],
            "rows": [_cells(w, columns) for w in workflows[:PDF_ROW_LIMIT]],
            "total_rows": total_rows,
            "row_limit": PDF_ROW_LIMIT,
            "generated": localtime.local_now(request.practice.tz),
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"departure-report-{filters.date_from}-{filters.date_to}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
