"""Enrolling the patients who match, in bulk: INSERT ... SELECT, never a query a patient.

The SELECT is the version's criteria (criteria.matching_patients) minus the patients the
rules keep out; the INSERT skips conflicts with the unique constraints on Enrolment (once a
round, one active enrolment a workflow), which have the final word when two enrolments
race. A second INSERT ... SELECT gives each new enrolment its first StepRun.

Callers hold `lock_workflows` for the practice: enrolments in exclusive workflows depend on
the others, so a practice's enrolments happen one transaction at a time.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.db import connection, models
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf

from appointments.models import Appointment
from patients.models import Patient
from practice.models import Practice
from practice.scoping import for_practice

from . import timing
from .criteria import matching_patients
from .models import Criterion, Enrolment, PriorMatch, Step, StepRun, Workflow, WorkflowVersion


def version_criteria(practice: Practice, version: WorkflowVersion) -> QuerySet[Criterion]:
    return (
        for_practice(Criterion, practice).filter(version_id=version.pk).order_by("position", "id")
    )


def version_steps(practice: Practice, version: WorkflowVersion) -> list[Step]:
    return list(
        for_practice(Step, practice).filter(version_id=version.pk).order_by("position", "id")
    )


def lock_workflows(practice: Practice) -> list[Workflow]:
    """Lock the practice's active workflows (in the caller's transaction) and return them,
    oldest first: enrolments of one practice then happen one at a time, so two exclusive
    workflows can never both take the same patient."""
    return list(
        for_practice(Workflow, practice)
        .filter(status=Workflow.Status.ACTIVE, current_version__isnull=False)
        .select_related("current_version")
        .select_for_update(of=("self",))
        .order_by("id")
    )


def insert_from_select(model: type[models.Model], rows: QuerySet, columns: dict) -> int:
    """INSERT INTO model (columns) SELECT ... FROM rows ON CONFLICT DO NOTHING; returns how
    many rows went in. `columns` maps the model's field names to expressions on `rows`."""
    names = {f"mw_{index}": expression for index, expression in enumerate(columns.values())}
    select = rows.annotate(**names).values(*names)
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    fields = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    statement = f"INSERT INTO {quote(model._meta.db_table)} ({fields}) {sql} ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def usual_time_zone(practice: Practice) -> models.Expression:
    """The zone of the patient's usual location (that of their latest appointment that was
    not cancelled), else the practice's: where quiet hours are counted."""
    latest = (
        for_practice(Appointment, practice)
        .filter(patient_id=OuterRef("pk"))
        .exclude(status__in=Appointment.RELEASED)
        .order_by("-starts_at")
        .values("location__time_zone")[:1]
    )
    return Coalesce(
        NullIf(Subquery(latest), Value("")),
        Value(practice.time_zone),
        output_field=models.CharField(),
    )


def _not_already_in(practice: Practice, version: WorkflowVersion, now: dt.datetime) -> Q:
    """Patients this workflow must not enrol now: in it at the moment, removed from it by
    staff, or (re-enrolment off) ever in it; with re-enrolment on, finished too recently."""
    in_workflow = for_practice(Enrolment, practice).filter(
        workflow_id=version.workflow_id, patient_id=OuterRef("pk")
    )
    if version.allow_reenrolment:
        recent = now - dt.timedelta(days=version.reenrol_after_days)
        in_workflow = in_workflow.filter(
            Q(state__in=[Enrolment.State.ACTIVE, Enrolment.State.REMOVED]) | Q(ended_at__gt=recent)
        )
    return ~Exists(in_workflow)


def _not_kept_out(practice: Practice, version: WorkflowVersion) -> Q:
    """Exclusivity, both ways: patients active in another active workflow stay out of an
    exclusive one, and patients active in an exclusive one stay out of every other."""
    elsewhere = (
        for_practice(Enrolment, practice)
        .filter(
            patient_id=OuterRef("pk"),
            state=Enrolment.State.ACTIVE,
            workflow__status=Workflow.Status.ACTIVE,
        )
        .exclude(workflow_id=version.workflow_id)
    )
    if not version.exclusive:
        elsewhere = elsewhere.filter(version__exclusive=True)
    return ~Exists(elsewhere)


def _not_prior(practice: Practice, version: WorkflowVersion) -> Q:
    prior = for_practice(PriorMatch, practice).filter(
        version_id=version.pk, patient_id=OuterRef("pk")
    )
    return ~Exists(prior)


def candidates(
    practice: Practice,
    version: WorkflowVersion,
    *,
    now: dt.datetime,
    patient_ids: Iterable[int] | None = None,
    existing: bool = True,
) -> QuerySet[Patient]:
    """Patients the version would enrol now (one query, not run here). `existing=False`
    leaves out those who matched when it went live and still do (PriorMatch)."""
    patients = matching_patients(practice, version_criteria(practice, version), now=now)
    if patient_ids is not None:
        patients = patients.filter(pk__in=list(patient_ids))
    patients = patients.filter(
        _not_already_in(practice, version, now), _not_kept_out(practice, version)
    )
    return patients if existing else patients.filter(_not_prior(practice, version))


def enrol(
    practice: Practice,
    version: WorkflowVersion,
    *,
    now: dt.datetime,
    patient_ids: Iterable[int] | None = None,
) -> int:
    """Enrol the patients `version` takes now (of `patient_ids`, or all), give each their
    first step run, and return how many were enrolled. Call under `lock_workflows`."""
    workflow = version.workflow
    rows = candidates(
        practice, version, now=now, patient_ids=patient_ids, existing=version.enrol_existing
    )
    enrolled = insert_from_select(
        Enrolment,
        rows,
        {
            "practice": Value(practice.pk),
            "workflow": Value(workflow.pk),
            "version": Value(version.pk),
            "patient": F("pk"),
            "round": _round(practice, version),
            "state": Value(Enrolment.State.ACTIVE.value),
            "time_zone": usual_time_zone(practice),
            "enrolled_at": Value(now),
            "end_note": Value(""),
        },
    )
    if enrolled:
        start_runs(practice, version, enrolled_at=now)
        if enrolled >= ANALYZE_AFTER:
            _analyze()
    return enrolled


# A bulk enrolment this big changes the tables enough for the planner to need fresh
# statistics at once: the runner claims the new runs seconds later, before autovacuum.
ANALYZE_AFTER = 1000


def _analyze() -> None:
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (Enrolment, StepRun))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _round(practice: Practice, version: WorkflowVersion) -> models.Expression:
    """1 for a first enrolment in the workflow; one more than the last, enrolling again."""
    if not version.allow_reenrolment:
        return Value(1)  # only patients never in the workflow are enrolled
    last = (
        for_practice(Enrolment, practice)
        .filter(workflow_id=version.workflow_id, patient_id=OuterRef("pk"))
        .order_by("-round")
        .values("round")[:1]
    )
    return Coalesce(Subquery(last), Value(0)) + Value(1)


def start_runs(practice: Practice, version: WorkflowVersion, *, enrolled_at: dt.datetime) -> int:
    """The first step run of each enrolment made at `enrolled_at` (one INSERT ... SELECT;
    its due time depends only on the zone, so one CASE over the few zones). An enrolment
    with nothing to run is complete at once."""
    new = for_practice(Enrolment, practice).filter(
        version_id=version.pk, enrolled_at=enrolled_at, state=Enrolment.State.ACTIVE
    )
    steps = version_steps(practice, version)
    zones = list(new.order_by().values_list("time_zone", flat=True).distinct())
    planned = {
        zone: timing.next_run(steps, version, zoneinfo.ZoneInfo(zone), after=None, base=enrolled_at)
        for zone in zones
    }
    if not any(planned.values()):
        return new.update(state=Enrolment.State.COMPLETED, ended_at=enrolled_at)
    first = next(plan for plan in planned.values() if plan is not None)
    due = Case(
        *[When(time_zone=zone, then=Value(plan.due_at)) for zone, plan in planned.items()],
        output_field=models.DateTimeField(),
    )
    # Each enrolment gets its first run once: step_run_once (enrolment, step) decides.
    return insert_from_select(
        StepRun,
        new,
        {
            "practice": Value(practice.pk),
            "enrolment": F("pk"),
            "step": Value(first.step.pk),
            "state": Value(StepRun.State.PENDING.value),
            "due_at": due,
            "attempts": Value(0),
            "note": Value(""),
        },
    )


def hold_prior_matches(practice: Practice, version: WorkflowVersion, *, now: dt.datetime) -> int:
    """Record who matches as `version` goes live without 'enrol existing': they are not
    enrolled while they keep matching."""
    rows = matching_patients(practice, version_criteria(practice, version), now=now)
    return insert_from_select(
        PriorMatch,
        rows,
        {"practice": Value(practice.pk), "version": Value(version.pk), "patient": F("pk")},
    )


def release_prior_matches(
    practice: Practice,
    version: WorkflowVersion,
    *,
    now: dt.datetime,
    patient_ids: Iterable[int] | None = None,
) -> int:
    """Forget the prior matches that no longer match: if they match again, that is 'coming
    to match later', and they are enrolled."""
    held = for_practice(PriorMatch, practice).filter(version_id=version.pk)
    if patient_ids is not None:
        held = held.filter(patient_id__in=list(patient_ids))
    still = matching_patients(practice, version_criteria(practice, version), now=now).values("pk")
    deleted, _by_model = held.exclude(patient_id__in=still).delete()
    return deleted
