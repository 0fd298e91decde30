"""The departure workflow report: how often each checkout action succeeded, failed or was
postponed, and which workflows failed.

Figures come from one SQL GROUP BY over the judged actions (small, fixed result: action ×
outcome × reason), folded into rows here. The action rows carry the local day, location,
practitioner and checkout user, so no join is needed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appointments.models import Appointment
from departure_workflow.models import (
    ActionKind,
    DepartureAction,
    DepartureWorkflow,
    FailureReason,
    Outcome,
    PostponeReason,
)
from practice import localtime
from practice.db_functions import EpochSeconds
from practice.models import Location, Membership, Practice
from practice.rights import Right, has_right
from practice.scoping import for_practice

JUDGED = (Outcome.SUCCESS, Outcome.FAILED, Outcome.POSTPONED)


@dataclass(frozen=True)
class ReportFilters:
    date_from: dt.date
    date_to: dt.date
    location_id: int | None = None
    practitioner_id: int | None = None
    run_by_id: int | None = None

    def as_query(self) -> dict[str, str]:
        query = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        for name in ("location_id", "practitioner_id", "run_by_id"):
            if getattr(self, name):
                query[name.removesuffix("_id")] = str(getattr(self, name))
        return query


def restrict_to_viewer(filters: ReportFilters, membership: Membership | None) -> ReportFilters:
    """Directors and administrators see every appointment; practitioners only their own."""
    if has_right(membership, Right.VIEW_REPORTS):
        return filters
    if membership is not None and membership.is_practitioner:
        return ReportFilters(
            filters.date_from,
            filters.date_to,
            filters.location_id,
            membership.pk,
            filters.run_by_id,
        )
    raise PermissionError("This role may not read reports.")


def can_read_report(membership: Membership | None) -> bool:
    return has_right(membership, Right.VIEW_REPORTS) or bool(
        membership and membership.is_practitioner
    )


def _pct(part: int, total: int) -> float:
    return round(100 * part / total, 1) if total else 0.0


@dataclass
class ActionFigures:
    kind: str
    label: str
    total: int = 0
    success: int = 0
    failed: int = 0
    postponed: int = 0
    postponement_reasons: list[tuple[str, int]] = field(default_factory=list)
    failure_reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def success_pct(self) -> float:
        return _pct(self.success, self.total)

    @property
    def failed_pct(self) -> float:
        return _pct(self.failed, self.total)

    @property
    def postponed_pct(self) -> float:
        return _pct(self.postponed, self.total)

    @property
    def failed_starts_at(self) -> float:
        """Where the failed part of a stacked 0-100 bar begins."""
        return round(self.success_pct + self.postponed_pct, 1)

    def as_dict(self) -> dict:
        return {
            "action": self.kind,
            "label": self.label,
            "total": self.total,
            "success": self.success,
            "success_pct": self.success_pct,
            "failed": self.failed,
            "failed_pct": self.failed_pct,
            "postponed": self.postponed,
            "postponed_pct": self.postponed_pct,
            "postponement_reasons": [
                {"reason": r, "count": n} for r, n in self.postponement_reasons
            ],
            "failure_reasons": [{"reason": r, "count": n} for r, n in self.failure_reasons],
        }


def judged_actions(practice: Practice, filters: ReportFilters) -> QuerySet[DepartureAction]:
    actions = for_practice(DepartureAction, practice).filter(
        local_date__gte=filters.date_from,
        local_date__lte=filters.date_to,
        outcome__in=JUDGED,
    )
    if filters.location_id:
        actions = actions.filter(location_id=filters.location_id)
    if filters.practitioner_id:
        actions = actions.filter(practitioner_id=filters.practitioner_id)
    if filters.run_by_id:
        actions = actions.filter(completed_by_id=filters.run_by_id)
    return actions


def departure_report(practice: Practice, filters: ReportFilters) -> list[ActionFigures]:
    """Per action: totals, success / failed / postponed counts and %, and their reasons."""
    groups = (
        judged_actions(practice, filters)
        .values_list("kind", "outcome", "postpone_reason", "failure_reason_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    by_kind = {kind: ActionFigures(kind, str(label)) for kind, label in ActionKind.choices}
    postponed: dict[str, dict[str, int]] = {}
    failed: dict[str, dict[int | None, int]] = {}
    for kind, outcome, postpone_reason, failure_reason_id, n in groups:
        figures = by_kind[kind]
        figures.total += n
        setattr(figures, outcome, getattr(figures, outcome) + n)
        if outcome == Outcome.POSTPONED:
            bucket = postponed.setdefault(kind, {})
            bucket[postpone_reason] = bucket.get(postpone_reason, 0) + n
        elif outcome == Outcome.FAILED:
            bucket = failed.setdefault(kind, {})
            bucket[failure_reason_id] = bucket.get(failure_reason_id, 0) + n
    reason_ids = {rid for bucket in failed.values() for rid in bucket if rid}
    labels = dict(
        for_practice(FailureReason, practice).filter(pk__in=reason_ids).values_list("pk", "label")
    )
    postpone_labels = dict(PostponeReason.choices)
    for kind, bucket in postponed.items():
        by_kind[kind].postponement_reasons = sorted(
            ((str(postpone_labels.get(r, r or _("Other"))), n) for r, n in bucket.items()),
            key=lambda item: -item[1],
        )
    for kind, bucket in failed.items():
        by_kind[kind].failure_reasons = sorted(
            ((labels.get(r, _("Other (typed)")), n) for r, n in bucket.items()),
            key=lambda item: -item[1],
        )
    return [figures for figures in by_kind.values() if figures.total]


# The failed-workflow table: columns the user may choose, in display order.
DETAIL_COLUMNS: dict[str, object] = {
    "date": gettext_lazy("Date"),
    "time": gettext_lazy("Time"),
    "patient": gettext_lazy("Patient"),
    "client": gettext_lazy("Client"),
    "practitioner": gettext_lazy("Practitioner"),
    "location": gettext_lazy("Location"),
    "receptionist": gettext_lazy("Checked out by"),
    "failed": gettext_lazy("Failed actions"),
    **dict(ActionKind.choices),
}
DEFAULT_COLUMNS = ("date", "patient", "practitioner", "receptionist", "failed")


def failed_workflows(practice: Practice, filters: ReportFilters) -> QuerySet[DepartureWorkflow]:
    """One row per appointment whose workflow has a failed action (newest first), as plain
    values: a year is hundreds of thousands of rows, and building seven model instances per
    row made the CSV take over a minute. `failed_rows` turns a batch into `FailedRow`s."""
    workflows = for_practice(DepartureWorkflow, practice).filter(
        has_failure=True,
        local_date__gte=filters.date_from,
        local_date__lte=filters.date_to,
    )
    if filters.location_id:
        workflows = workflows.filter(location_id=filters.location_id)
    if filters.practitioner_id:
        workflows = workflows.filter(practitioner_id=filters.practitioner_id)
    if filters.run_by_id:
        workflows = workflows.filter(completed_by_id=filters.run_by_id)
    # The appointment's start, as an integer (parsing a year's timestamps cost seconds),
    # read per row by its primary key: as a join, PostgreSQL scanned every appointment of
    # the table for each month's few thousand rows.
    starts = for_practice(Appointment, practice).filter(pk=OuterRef("appointment_id")).order_by()
    workflows = workflows.annotate(
        starts_epoch=Subquery(starts.annotate(epoch=EpochSeconds("starts_at")).values("epoch"))
    )
    return workflows.order_by("-local_date", "-id").values_list(*_ROW_FIELDS)


_ROW_FIELDS = (
    "id",
    "appointment_id",
    "local_date",
    "starts_epoch",
    "location_id",
    "practitioner_id",
    "completed_by_id",
    "patient__name",
    "client__first_name",
    "client__last_name",
)


@dataclass(slots=True)
class FailedRow:
    """One failed workflow as the table and the PDF show it: its cells in `DETAIL_COLUMNS`
    order, and what 'Open' needs to find the appointment in the calendar."""

    workflow_id: int
    appointment_id: int
    local_date: dt.date
    location_id: int
    cells: tuple[str, ...]

    def chosen(self, columns: list[str]) -> list[str]:
        return [self.cells[COLUMN_INDEX[c]] for c in columns]


COLUMN_INDEX = {column: i for i, column in enumerate(DETAIL_COLUMNS)}
_KINDS = tuple(ActionKind.values)  # their columns come last, in this order
_KIND_INDEX = {kind: i for i, kind in enumerate(_KINDS)}
_NO_FAILURES = [""] * len(_KINDS)


def cells_picker(columns: list[str]) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """A function giving the chosen columns of a row's cells (in C, not a loop per cell:
    the CSV of a year is hundreds of thousands of rows)."""
    indexes = [COLUMN_INDEX[c] for c in columns]
    if len(indexes) == 1:
        index = indexes[0]
        return lambda cells: (cells[index],)
    return operator.itemgetter(*indexes)


class Names:
    """What a row shows besides its own values, each looked up once: the few locations,
    practitioners, checkout users and failure reasons (a query per batch at most, for the
    ones not seen yet) instead of a join per row, and each day's date and each start's
    local time formatted once (a year has 365 days and some thousand start times)."""

    def __init__(self, practice: Practice):
        self.practice = practice
        # location id → (name, zone, its start times (epoch seconds) already formatted)
        self.locations: dict[int, tuple[str, zoneinfo.ZoneInfo, dict[int, str]]] = {}
        self.members: dict[int, str] = {}
        self.users: dict[int, str] = {}
        self.kinds = {kind: str(label) for kind, label in ActionKind.choices}
        self.dates: dict[dt.date, str] = {}

    @functools.cached_property
    def failure_marks(self) -> dict[int, str]:
        # The practice's reasons are a short list (tens): one query when the first failed
        # action needs it, no join per action.
        labels = for_practice(FailureReason, self.practice).values_list("pk", "label")
        return {pk: _failure_mark(label) for pk, label in labels}

    def date(self, day: dt.date) -> str:
        text = self.dates.get(day)
        if text is None:
            text = self.dates[day] = formats.date_format(day, "SHORT_DATE_FORMAT")
        return text

    def load(self, batch: list[tuple]) -> None:
        missing = {r[4] for r in batch} - self.locations.keys()
        if missing:
            for loc in for_practice(Location, self.practice).filter(pk__in=missing):
                tz = zoneinfo.ZoneInfo(loc.time_zone or self.practice.time_zone)
                self.locations[loc.pk] = (loc.name, tz, {})
        missing = {r[5] for r in batch} - self.members.keys()
        if missing:
            members = for_practice(Membership, self.practice).select_related("user")
            self.members.update((m.pk, m.name) for m in members.filter(pk__in=missing))
        missing = {r[6] for r in batch if r[6]} - self.users.keys()
        if missing:
            for user in get_user_model().objects.filter(pk__in=missing):
                self.users[user.pk] = user.get_full_name() or user.get_username()


def _failure_mark(why: str) -> str:
    return f"✗ {why}" if why else "✗"


def _failures(
    practice: Practice,
    names: Names,
    window: ReportFilters | None,
    workflow_ids: Iterable[int],
) -> dict[int, list[tuple[str, str]]]:
    """workflow id → (kind, cell mark) of each of its failed actions, in the order they
    were recorded. With the `window` the batch came from, the actions are read by their own
    local day (indexed; an action's day is its workflow's) instead of a long list of ids."""
    actions = for_practice(DepartureAction, practice).filter(outcome=Outcome.FAILED)
    if window is not None:
        actions = actions.filter(local_date__gte=window.date_from, local_date__lte=window.date_to)
        # A month of the CSV looks each reason up in the practice's short list.
        marks, reason = names.failure_marks, "failure_reason_id"
    else:
        # A page's few rows join the reason's label.
        actions = actions.filter(workflow_id__in=list(workflow_ids))
        marks, reason = None, "failure_reason__label"
    by_workflow: dict[int, list[tuple[str, str]]] = {}
    rows = actions.order_by("workflow_id", "id").values_list(
        "workflow_id", "kind", reason, "failure_note"
    )
    for wid, kind, reason_value, note in rows:
        if marks is None:
            mark = _failure_mark(reason_value or note)
        elif (mark := marks.get(reason_value) if reason_value else None) is None:
            mark = _failure_mark(note)
        found = by_workflow.get(wid)
        if found is None:
            by_workflow[wid] = [(kind, mark)]
        else:
            found.append((kind, mark))
    return by_workflow


def _assemble(
    practice: Practice, batch: list[tuple], names: Names, window: ReportFilters | None
) -> Iterator[tuple[int, int, dt.date, int, tuple[str, ...]]]:
    """(workflow id, appointment id, local day, location id, cells) of each row of a batch
    of `failed_workflows` values: two queries at most, whatever the batch's size."""
    names.load(batch)
    failures = _failures(practice, names, window, (r[0] for r in batch))
    kinds, members, users, locations = names.kinds, names.members, names.users, names.locations
    date = names.date
    fallback = ("", practice.tz, {})
    for wid, aid, day, starts, loc, member, user, patient, first, last in batch:
        location, tz, clocks = locations.get(loc, fallback)
        clock = clocks.get(starts)
        if clock is None:
            clock = clocks[starts] = localtime.time_label(localtime.from_epoch(starts), tz)
        failed = failures.get(wid, ())
        marks = _NO_FAILURES.copy()
        for kind, mark in failed:
            i = _KIND_INDEX[kind]
            if not marks[i]:  # the first failed action of a kind speaks for it
                marks[i] = mark
        cells = (
            date(day),
            clock,
            patient,
            f"{first} {last}".strip(),
            members.get(member, ""),
            location,
            users.get(user, "") if user else "",
            ", ".join([kinds.get(kind, kind) for kind, _mark in failed]),
            *marks,
        )
        yield wid, aid, day, loc, cells


def failed_rows(practice: Practice, batch: list[tuple], names: Names) -> list[FailedRow]:
    """A page's (or the PDF's) batch of `failed_workflows` values as rows."""
    return [FailedRow(*row) for row in _assemble(practice, batch, names, None)]


# A month of failed workflows at a time (some thousands of rows), read through the partial
# index on (practice, local_date) in two plain queries. One cursor over the whole year
# made PostgreSQL plan for the first rows and took longer than the rows' own work.
WINDOW_DAYS = 31


def iter_failed_cells(practice: Practice, filters: ReportFilters) -> Iterator[list[tuple]]:
    """The cells (`DETAIL_COLUMNS` order) of every failed workflow of the period, newest
    first, a month's list at a time: the queries grow with the period's months (at most
    14), not with its rows."""
    names = Names(practice)
    end = filters.date_to
    while end >= filters.date_from:
        start = max(filters.date_from, end - dt.timedelta(days=WINDOW_DAYS - 1))
        window = dataclasses.replace(filters, date_from=start, date_to=end)
        batch = list(failed_workflows(practice, window))
        if batch:
            yield [row[4] for row in _assemble(practice, batch, names, window)]
        end = start - dt.timedelta(days=1)
