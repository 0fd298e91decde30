"""Reports → Contact history: the read side over the stored communications and contacts.

Everything here reads fields the ingestion and the derivation stored (status, purpose,
channel and its rule, recovery, the contact and its result); nothing is derived again.
Figures are SQL aggregates (GROUP BY, COUNT DISTINCT, AVG, SUM); Python only folds the
small grouped result and labels it.

Grouping and filtering are per communication, except the result, which is its contact's:
a contact whose calls two administrators took counts for each of them (the issue: a
comment on a chat makes its administrator the chat's employee, 'so it counts in their
conversion'), and the total counts each contact once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appointments.models import Appointment
from crm import channels, recovery
from crm.models import Channel, ChannelRule, Communication, Contact, ContactRecord, ContactSettings
from practice import localtime
from practice.models import Membership, Practice
from practice.scoping import for_practice

Kind = Communication.Kind
Status = Communication.Status
Result = Contact.Result

# 'Success: contacts that ended in an appointment or a waitlist entry.' A cancelled one
# did not end in either (the source lists 'Didn't book' and 'Cancelled' together as
# handled but not ending in an appointment).
SUCCESS_RESULTS = (Result.BOOKED, Result.WAITLIST, Result.ATTENDED)
RECOVERED = (
    Communication.Recovery.CALLED_BACK,
    Communication.Recovery.CALLED_AGAIN,
    Communication.Recovery.BOOKED_ONLINE,
)
RECOVERY_TARGET_MINUTES = 15

# The grouping levels a user may choose, in the order offered: the column grouped on.
LEVELS: dict[str, tuple[str, object]] = {
    "employee": ("employee_id", gettext_lazy("Employee")),
    "result": ("contact__result", gettext_lazy("Result")),
    "channel": ("channel_id", gettext_lazy("Ad channel")),
    "topic": ("topic", gettext_lazy("Topic")),
    "purpose": ("purpose", gettext_lazy("Who, type")),
}
MAX_LEVELS = 3


@dataclass(frozen=True)
class HistoryFilters:
    """What the report is limited to. Empty tuples and None mean 'all'."""

    date_from: dt.date
    date_to: dt.date
    purposes: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    results: tuple[str, ...] = ()
    topic: str = ""
    channel_group_id: int | None = None
    channel_id: int | None = None
    employee_id: int | None = None
    patient_id: int | None = None

    def with_patient(self, patient_id: int) -> HistoryFilters:
        return replace(self, patient_id=patient_id)


def communications(practice: Practice, filters: HistoryFilters) -> QuerySet[Communication]:
    """The communications in the period (practice-local days) that pass the filters."""
    rows = for_practice(Communication, practice).filter(
        local_date__gte=filters.date_from, local_date__lte=filters.date_to
    )
    if filters.purposes:
        rows = rows.filter(purpose__in=filters.purposes)
    if filters.kinds:
        rows = rows.filter(kind__in=filters.kinds)
    if filters.results:
        rows = rows.filter(contact__result__in=filters.results)
    if filters.topic:
        rows = rows.filter(topic__iexact=filters.topic)
    if filters.channel_id:
        rows = rows.filter(channel_id=filters.channel_id)
    if filters.channel_group_id:
        rows = rows.filter(channel__group_id=filters.channel_group_id)
    if filters.employee_id:
        rows = rows.filter(employee_id=filters.employee_id)
    if filters.patient_id:
        rows = rows.filter(_of_patient(practice, filters.patient_id))
    return rows


def _of_patient(practice: Practice, patient_id: int) -> Q:
    """A patient's history: what was matched to them, and what was matched only to their
    client (an owner's call about no particular animal)."""
    from patients.models import Patient

    client_id = for_practice(Patient, practice).filter(pk=patient_id).values("client_id")
    return Q(patient_id=patient_id) | Q(patient__isnull=True, client_id__in=client_id)


# ---- 'No grouping': every communication, newest first -------------------------------


def communication_list(practice: Practice, filters: HistoryFilters) -> QuerySet[Communication]:
    return (
        communications(practice, filters)
        .select_related("employee__user", "channel__group", "client", "patient", "contact")
        .order_by("-started_at", "-id")
    )


def overdue_days(practice: Practice) -> int:
    setting = (
        for_practice(ContactSettings, practice).values_list("request_overdue_days", flat=True)
    ).first()
    return setting or ContactSettings._meta.get_field("request_overdue_days").default


def request_is_overdue(received_on: dt.date, today: dt.date, days: int) -> bool:
    """'A web request is overdue once 7 full days including today have passed in the
    practice's time zone': the day it came in is the first of the `days`; from local
    midnight after the last of them it is overdue."""
    return (today - received_on).days >= days


@dataclass(frozen=True)
class RowMarks:
    """How a row of the 'No grouping' view is highlighted."""

    live: bool = False  # the current (ringing) call, an active chat
    attention: bool = False  # today's missed call or chat, an unhandled request
    overdue: bool = False  # a web request open past the practice's limit

    @property
    def css(self) -> str:
        if self.overdue:
            return "row-overdue"
        if self.live:
            return "row-live"
        return "row-attention" if self.attention else ""


def row_marks(c: Communication, today: dt.date, days: int) -> RowMarks:
    """The highlight of one communication, judged from its stored kind and status."""
    live = (c.kind == Kind.CALL and c.status == Status.RINGING) or (
        c.kind == Kind.CHAT and c.status == Status.ACTIVE
    )
    missed_today = c.kind in (Kind.CALL, Kind.CHAT) and c.status == Status.MISSED
    missed_today = missed_today and c.local_date == today
    unhandled = c.status in (Status.OPEN, Status.NEEDS_CALLBACK)
    overdue = (
        c.kind == Kind.WEB_REQUEST
        and c.status == Status.OPEN
        and request_is_overdue(c.local_date, today, days)
    )
    return RowMarks(live=live, attention=missed_today or unhandled, overdue=overdue)


@dataclass(frozen=True)
class MissedSummary:
    """Today's missed incoming calls and what became of them."""

    missed: int
    recovered: int
    within_target: int

    @property
    def within_target_pct(self) -> float:
        return _pct(self.within_target, self.missed)


def missed_today(practice: Practice, today: dt.date) -> MissedSummary:
    """Missed incoming calls of the practice's local `today` (one aggregate query)."""
    missed = Q(kind=Kind.CALL, direction=Communication.Direction.INCOMING, status=Status.MISSED)
    recovered = Q(recovery__in=RECOVERED)
    figures = for_practice(Communication, practice).filter(missed, local_date=today)
    figures = figures.aggregate(
        missed=Count("id"),
        recovered=Count("id", filter=recovered),
        within=Count("id", filter=recovered & Q(recovery_minutes__lte=RECOVERY_TARGET_MINUTES)),
    )
    return MissedSummary(figures["missed"], figures["recovered"], figures["within"])


# ---- 'By contacts': groups, success, waiting time and duration --------------------------


def _pct(part: int, total: int) -> float:
    return round(100 * part / total, 1) if total else 0.0


@dataclass
class GroupRow:
    """One group's figures. Waiting time and duration are kept as sum and count (of the
    communications that have one), so groups add up to the total exactly."""

    key: object
    label: str
    contacts: int
    success: int
    communications: int
    wait_sum: int = 0
    wait_n: int = 0
    duration_sum: int = 0
    duration_n: int = 0
    path: tuple[tuple[str, object], ...] = ()

    @property
    def success_pct(self) -> float:
        return _pct(self.success, self.contacts)

    @property
    def avg_wait(self) -> float | None:
        return self.wait_sum / self.wait_n if self.wait_n else None

    @property
    def avg_duration(self) -> float | None:
        return self.duration_sum / self.duration_n if self.duration_n else None


def _figures() -> dict:
    return {
        "n_contacts": Count("contact_id", distinct=True),
        "n_success": Count(
            "contact_id", distinct=True, filter=Q(contact__result__in=SUCCESS_RESULTS)
        ),
        "n_communications": Count("id"),
        "wait_sum": Sum("wait_seconds"),
        "wait_n": Count("wait_seconds"),
        "duration_sum": Sum("duration_seconds"),
        "duration_n": Count("duration_seconds"),
    }


def _row(g: dict, key: object, label: str, path) -> GroupRow:
    return GroupRow(
        key=key,
        label=label,
        contacts=g["n_contacts"],
        success=g["n_success"],
        communications=g["n_communications"],
        wait_sum=g["wait_sum"] or 0,
        wait_n=g["wait_n"],
        duration_sum=g["duration_sum"] or 0,
        duration_n=g["duration_n"],
        path=path,
    )


def _within(rows: QuerySet[Communication], path) -> QuerySet[Communication]:
    """Narrow to a parent group: each (level, key) of the path, '' / None kept as such."""
    for level, key in path:
        column = LEVELS[level][0]
        rows = rows.filter(**{f"{column}__isnull": True} if key is None else {column: key})
    return rows


def group_rows(
    practice: Practice,
    filters: HistoryFilters,
    level: str,
    path: tuple[tuple[str, object], ...] = (),
    labels: Labels | None = None,
) -> list[GroupRow]:
    """One level of the grouped report under `path`: per group, distinct contacts, those
    that succeeded, communications, waiting time and duration (one query)."""
    column = LEVELS[level][0]
    rows = _within(communications(practice, filters), path)
    grouped = rows.values(column).annotate(**_figures()).order_by()
    labels = labels or Labels.load(practice)
    result = [
        _row(g, g[column], labels.of(level, g[column]), (*path, (level, g[column])))
        for g in grouped
    ]
    return sorted(result, key=lambda r: (-r.contacts, r.label))


def group_total(
    practice: Practice,
    filters: HistoryFilters,
    rows: list[GroupRow],
    path: tuple[tuple[str, object], ...] = (),
) -> GroupRow:
    """The total line under `path`, given that level's group `rows`. Communications, waiting
    time and duration add up over the groups (each communication is in one); contacts do
    not (a contact two administrators took is in both groups), so they are counted once
    each, straight from the contacts of the filtered communications (one query)."""
    contact_ids = _within(communications(practice, filters), path).values("contact_id")
    counted = (
        for_practice(Contact, practice)
        .filter(pk__in=contact_ids)
        .aggregate(
            n_contacts=Count("id"),
            n_success=Count("id", filter=Q(result__in=SUCCESS_RESULTS)),
        )
    )
    return GroupRow(
        key=None,
        label=_("Total"),
        contacts=counted["n_contacts"],
        success=counted["n_success"],
        communications=sum(r.communications for r in rows),
        wait_sum=sum(r.wait_sum for r in rows),
        wait_n=sum(r.wait_n for r in rows),
        duration_sum=sum(r.duration_sum for r in rows),
        duration_n=sum(r.duration_n for r in rows),
        path=path,
    )


@dataclass
class GroupedReport:
    levels: list[str]
    rows: list[GroupRow]
    total: GroupRow


def grouped_report(
    practice: Practice, filters: HistoryFilters, levels: list[str], labels: Labels | None = None
) -> GroupedReport:
    """The 'By contacts' page: the first level's groups and the total (two queries)."""
    labels = labels or Labels.load(practice)
    rows = group_rows(practice, filters, levels[0], labels=labels)
    return GroupedReport(levels, rows, group_total(practice, filters, rows))


def contacts_in(
    practice: Practice, filters: HistoryFilters, path: tuple[tuple[str, object], ...]
) -> QuerySet[Contact]:
    """The contacts under a group (the deepest expansion above the communications)."""
    ids = _within(communications(practice, filters), path).values("contact_id")
    return (
        for_practice(Contact, practice)
        .filter(pk__in=ids)
        .select_related("client", "patient", "employee__user", "channel__group")
        .annotate(n_communications=Count("communications"))
        .order_by("-local_date", "-first_at", "-id")
    )


def contact_detail(practice: Practice, contact: Contact) -> tuple[list, list]:
    """A contact's communications (all of them, oldest first) and its records with their
    current status and what each appointment brought in."""
    comms = list(
        for_practice(Communication, practice)
        .filter(contact=contact)
        .select_related("employee__user", "channel__group", "client", "patient")
        .order_by("started_at", "id")
    )
    for c in comms:
        c.contact = contact  # the one contact they share, not loaded again per row
    records = list(
        for_practice(ContactRecord, practice)
        .filter(contact=contact)
        .select_related("appointment", "waitlist_entry")
        .annotate(paid=Sum("appointment__payments__amount"))
        .order_by("-is_main", "created_at", "id")
    )
    return comms, records


# ---- Revenue per channel --------------------------------------------------------------


@dataclass
class ChannelRevenue:
    group: str
    channel: str
    visits: int
    revenue: Decimal
    is_group: bool = False


def revenue_per_channel(practice: Practice, filters: HistoryFilters) -> list[ChannelRevenue]:
    """Payments of the completed appointments the filtered contacts led to, per channel
    group and channel (the contact's channel). One query; groups summed here."""
    contact_ids = communications(practice, filters).values("contact_id")
    records = for_practice(ContactRecord, practice).filter(
        contact_id__in=contact_ids, appointment__status=Appointment.Status.COMPLETED
    )
    per_channel = (
        records.values(
            "contact__channel_id", "contact__channel__name", "contact__channel__group__name"
        )
        .annotate(
            visits=Count("appointment_id", distinct=True),
            revenue=Sum("appointment__payments__amount"),
        )
        .order_by()
    )
    groups: dict[str, ChannelRevenue] = {}
    lines: list[ChannelRevenue] = []
    for row in per_channel:
        group = row["contact__channel__group__name"] or _("No channel")
        channel = row["contact__channel__name"] or "—"
        line = ChannelRevenue(group, channel, row["visits"], row["revenue"] or Decimal(0))
        if row["contact__channel_id"] is not None:  # 'No channel' is its own line only
            lines.append(line)
        total = groups.setdefault(group, ChannelRevenue(group, "", 0, Decimal(0), True))
        total.visits += line.visits
        total.revenue += line.revenue
    ordered: list[ChannelRevenue] = []
    for name in sorted(groups, key=lambda g: -groups[g].revenue):
        ordered.append(groups[name])
        ordered.extend(sorted((x for x in lines if x.group == name), key=lambda x: -x.revenue))
    return ordered


# ---- Labels -------------------------------------------------------------------------


@dataclass
class Labels:
    """Names for grouped keys, loaded once per page (members and channels of the practice)."""

    employees: dict[int, str] = field(default_factory=dict)
    channels: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, practice: Practice) -> Labels:
        members = for_practice(Membership, practice).select_related("user")
        channels = for_practice(Channel, practice).select_related("group")
        return cls(
            employees={m.pk: m.name for m in members},
            channels={c.pk: str(c) for c in channels},
        )

    def of(self, level: str, key: object) -> str:
        if key in (None, ""):
            return {
                "employee": _("No employee"),
                "channel": _("No channel"),
                "topic": _("No topic"),
                "result": _("No contact yet"),
            }.get(level, "—")
        if level == "employee":
            return self.employees.get(key, "—")  # type: ignore[call-overload]
        if level == "channel":
            return self.channels.get(key, "—")  # type: ignore[call-overload]
        if level == "result":
            return str(dict(Result.choices).get(key, key))
        if level == "purpose":
            return str(dict(Communication.Purpose.choices).get(key, key))
        return str(key)


# ---- 'Why this channel' ---------------------------------------------------------------


@dataclass
class SpeedRow:
    """One employee and channel: missed calls and how many were recovered within 15
    minutes; web requests, how many were answered, and the average time to the first answer."""

    employee: str
    channel: str
    missed: int = 0
    recovered_quick: int = 0
    requests: int = 0
    answered: int = 0
    first_answer_seconds: int | None = None

    @property
    def recovered_pct(self) -> float:
        return round(100 * self.recovered_quick / self.missed, 1) if self.missed else 0.0


def speed_to_answer(practice: Practice, filters: HistoryFilters, labels: Labels) -> list[SpeedRow]:
    """Per employee and channel over the period, narrowed by the employee and ad channel
    filters: crm.recovery's two summaries (one query each) side by side, named for the
    page. (Who/type, kind, result and topic describe other things than these figures.)"""
    first, last = filters.date_from, filters.date_to
    only = recovery.Only(filters.employee_id, filters.channel_id, filters.channel_group_id)
    rows: dict[tuple, SpeedRow] = {}

    def row(who: int | None, channel_id: int | None) -> SpeedRow:
        key = (who, channel_id)
        if key not in rows:
            rows[key] = SpeedRow(labels.of("employee", who), labels.of("channel", channel_id))
        return rows[key]

    for line in recovery.recovery_summary(practice, first, last, only):
        found = row(line["who"], line["channel_id"])
        found.missed, found.recovered_quick = line["missed"], line["quick"]
    for line in recovery.request_answer_summary(practice, first, last, only):
        found = row(line["who"], line["channel_id"])
        found.requests, found.answered = line["requests"], line["answered"]
        average = line["average"]
        found.first_answer_seconds = int(average.total_seconds()) if average else None
    return sorted(rows.values(), key=lambda r: (r.employee.lower(), r.channel.lower()))


def rules_in_order(practice: Practice, kind: str) -> list[ChannelRule]:
    """The active rules tried for a communication of `kind`, in the order they are tried
    (crm.channels owns the order)."""
    return channels.rules_in_order(channels.active_rules(practice), kind)


def local_today(practice: Practice) -> dt.date:
    return localtime.local_today(practice.tz)


def group_rows_flat(
    practice: Practice, filters: HistoryFilters, levels: list[str], labels: Labels
) -> list[GroupRow]:
    """Every group of the first `len(levels)` levels at once (the CSV's lines at that depth)."""
    columns = [LEVELS[level][0] for level in levels]
    grouped = communications(practice, filters).values(*columns).annotate(**_figures()).order_by()
    return [
        _row(
            g,
            g[columns[-1]],
            labels.of(levels[-1], g[columns[-1]]),
            tuple((level, g[column]) for level, column in zip(levels, columns, strict=True)),
        )
        for g in grouped
    ]
