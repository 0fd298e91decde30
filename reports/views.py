"""Report pages and their CSV / PDF exports. The figures come from reports.departure."""

from __future__ import annotations

import io

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from practice import localtime
from practice.views_helpers import staff_view

from . import csv_files, departure
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
            rows=[(row, row.chosen(columns), _calendar_url(row)) for row in rows],
            export_query=query,
            page_query=query,
            filters=filters,
        )
    status = 200 if form.is_valid() else 400
    return render(request, "reports/departure.html", context, status=status)


def _summary_lines(practice, filters):
    writer = csv_files.writer()
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
                csv_files.number(f.success_pct),
                f.failed,
                csv_files.number(f.failed_pct),
                f.postponed,
                csv_files.number(f.postponed_pct),
                "; ".join(f"{r}: {n}" for r, n in f.postponement_reasons),
                "; ".join(f"{r}: {n}" for r, n in f.failure_reasons),
            ]
        )


def _failed_lines(practice, filters, columns):
    writer = csv_files.writer()
    yield writer.writerow([str(departure.DETAIL_COLUMNS[c]) for c in columns])
    pick = departure.cells_picker(columns)
    buffer = io.StringIO()
    batch_writer = csv_files.writer(buffer)
    for cells in departure.iter_failed_cells(practice, filters):
        # A month's lines per write, each written in C: a line (or a cell) at a time cost
        # seconds over a year's hundreds of thousands of rows.
        batch_writer.writerows(map(pick, cells))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _csv_response(request, part: str, lines) -> HttpResponse:
    """One table per file, so a spreadsheet opens each with its own header row."""
    form, filters, columns = _report_inputs(request)
    if filters is None:
        return HttpResponse(" ".join(m for e in form.errors.values() for m in e), status=400)
    lines = lines(request.practice, filters, columns)
    return csv_files.streamed(lines, f"departure-{part}-{filters.date_from}-{filters.date_to}.csv")


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
            "rows": [row.chosen(columns) for row in rows],
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
