"""Report pages and their CSV / PDF exports. The figures come from reports.departure."""

from __future__ import annotations

import csv
import functools

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
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


def _failed_cell(row: departure.FailedRow, kind: str) -> str:
    reason = row.reason_by_kind.get(kind)
    return "" if reason is None else f"✗ {reason}".strip()


def _local_time(row: departure.FailedRow) -> str:
    local = localtime.to_local(row.starts_at, row.tz)
    return f"{local.hour:02d}:{local.minute:02d}"  # strftime costs 3x this, per row


@functools.lru_cache(maxsize=4096)
def _short_date(day, language: str) -> str:
    # A year has 365 days and hundreds of thousands of rows: format each day once.
    return formats.date_format(day, "SHORT_DATE_FORMAT")


# One function per column, called with the row and the language (read once per page or
# file, not per row); a row computes only the columns asked for (the CSV of a year has
# hundreds of thousands of rows).
CELL = {
    "date": lambda r, language: _short_date(r.local_date, language),
    "time": lambda r, _language: _local_time(r),
    "patient": lambda r, _language: r.patient,
    "client": lambda r, _language: r.client,
    "practitioner": lambda r, _language: r.practitioner,
    "location": lambda r, _language: r.location,
    "receptionist": lambda r, _language: r.receptionist,
    "failed": lambda r, _language: ", ".join(label for _kind, label, _reason in r.failed),
    **{
        kind: (lambda r, _language, kind=kind: _failed_cell(r, kind))
        for kind in departure.ActionKind.values
    },
}


def _cells(row: departure.FailedRow, columns: list[str]) -> list[str]:
    language = translation.get_language()
    return [CELL[c](row, language) for c in columns]


def _calendar_url(row: departure.FailedRow) -> str:
    """The appointment's day in the calendar, with its panel open."""
    query = urlencode(
        {
            "location": row.location_id,
            "date": row.local_date.isoformat(),
            "open": row.appointment_id,
        }
    )
    return f"{reverse('calendar')}?{query}"


@staff_view()
def departure_report(request):
    form, filters, columns = _report_inputs(request)
    context = {
        "form": form,
        "columns": columns,
        "column_labels": departure.DETAIL_COLUMNS,
        # The picker stays open while the table shows other columns than the usual ones.
        "columns_picked": set(columns) != set(departure.DEFAULT_COLUMNS),
    }
    if filters is not None:
        practice = request.practice
        figures = departure.departure_report(practice, filters)
        page = Paginator(departure.failed_workflows(practice, filters), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        rows = departure.failed_rows(practice, list(page.object_list), departure.Names(practice))
        query = urlencode([*filters.as_query().items(), *[("columns", c) for c in columns]])
        context.update(
            figures=figures,
            page=page,
            rows=[(row, _cells(row, columns), _calendar_url(row)) for row in rows],
            export_query=query,
            page_query=query,
            filters=filters,
        )
    status = 200 if form.is_valid() else 400
    return render(request, "reports/departure.html", context, status=status)


class _Echo:
    """csv.writer target that hands each line back, for streaming."""

    def write(self, value: str) -> str:
        return value


def _in_language(lines, language: str):
    # The server reads this after the view returned: keep the request's language.
    with translation.override(language):
        yield "\ufeff"  # Excel opens UTF-8 (ë, ä, я) correctly with a BOM
        yield from lines


def _summary_lines(practice, filters):
    writer = csv.writer(_Echo())
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


LINES_PER_CHUNK = 1000


def _failed_lines(practice, filters, columns):
    writer = csv.writer(_Echo())
    yield writer.writerow([str(departure.DETAIL_COLUMNS[c]) for c in columns])
    # An action kind's column is read from the row's reasons here, not through a call per
    # cell: a year is hundreds of thousands of rows times eight kinds.
    kinds = set(departure.ActionKind.values)
    cells = [(c, None) if c in kinds else (None, CELL[c]) for c in columns]
    language = translation.get_language()
    lines: list[str] = []
    for row in departure.iter_failed_rows(practice, filters):
        reasons = row.reason_by_kind
        out = []
        for kind, cell in cells:
            if cell is not None:
                out.append(cell(row, language))
            elif (reason := reasons.get(kind)) is None:
                out.append("")
            else:
                out.append(f"✗ {reason}" if reason else "✗")
        lines.append(writer.writerow(out))
        if len(lines) == LINES_PER_CHUNK:
            # A thousand lines per write: a chunk per line cost the server a write each.
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def _csv_response(request, part: str, lines) -> HttpResponse:
    """One table per file, so a spreadsheet opens each with its own header row."""
    form, filters, columns = _report_inputs(request)
    if filters is None:
        return HttpResponse(" ".join(m for e in form.errors.values() for m in e), status=400)
    response = StreamingHttpResponse(
        _in_language(lines(request.practice, filters, columns), translation.get_language()),
        content_type="text/csv; charset=utf-8",
    )
    name = f"departure-{part}-{filters.date_from}-{filters.date_to}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_view()
def departure_summary_csv(request):
    """The figures per action."""
    return _csv_response(request, "summary", lambda p, f, _c: _summary_lines(p, f))


@staff_view()
def departure_failed_csv(request):
    """Every failed workflow of the period in the chosen columns; streamed, a year is
    hundreds of thousands of rows."""
    return _csv_response(request, "failed", _failed_lines)


@staff_view()
def departure_report_pdf(request):
    from weasyprint import HTML  # imported here: loading it costs ~0.3 s

    form, filters, columns = _report_inputs(request)
    if filters is None:
        return HttpResponse(" ".join(m for e in form.errors.values() for m in e), status=400)
    practice = request.practice
    workflows = departure.failed_workflows(practice, filters)
    total_rows = workflows.count()
    rows = departure.failed_rows(
        practice, list(workflows[:PDF_ROW_LIMIT]), departure.Names(practice)
    )
    html = render_to_string(
        "reports/departure_pdf.html",
        {
            "practice": practice,
            "filters": filters,
            "figures": departure.departure_report(practice, filters),
            "columns": [departure.DETAIL_COLUMNS[c] for c in columns],
            "rows": [_cells(row, columns) for row in rows],
            "total_rows": total_rows,
            "row_limit": PDF_ROW_LIMIT,
            "generated": localtime.local_now(practice.tz),
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"departure-report-{filters.date_from}-{filters.date_to}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
