"""Writes for the departure list: build it, work each action, complete and judge it.

Every step needs a logged-in staff member and is recorded (who, when, what) as a
`DepartureStep`. A completed workflow is closed for checkout work; postponed items are
worked later from the follow-up list, recorded against the same workflow.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from appointments.models import Appointment, PlannedTreatment, Recall
from appointments.services import appointment_amount_due, payment_take
from messaging.models import Message
from messaging.outbox import best_channel
from messaging.services import message_send_booking_link
from patients.models import Client
from patients.services import client_record_consent, client_update
from practice import localtime
from practice.models import Practice
from practice.scoping import for_practice
from practice.services import audit_log_write

from . import rules
from .models import (
    ActionKind,
    CustomOption,
    CustomOptionLink,
    DepartureAction,
    DepartureStep,
    DepartureWorkflow,
    FailureReason,
    Outcome,
    PostponeReason,
)

RECALL_ACTION = {
    Recall.Kind.DENTIST: ActionKind.DENTIST_RECALL,
    Recall.Kind.HYGIENIST: ActionKind.HYGIENIST_RECALL,
}

_BOOKING_REASONS = (
    gettext_noop("Patient declined"),
    gettext_noop("Patient will call back"),
    gettext_noop("No suitable time available"),
    gettext_noop("Forgotten"),
)
# A new practice's reasons, per action (translated into the practice's language when the
# practice is created; the practice edits them in Settings).
DEFAULT_FAILURE_REASONS: dict[str, tuple[str, ...]] = {
    ActionKind.PLANNED_TREATMENT: (
        gettext_noop("Patient declined"),
        gettext_noop("Patient wants to think about it"),
        gettext_noop("Patient will call back"),
        gettext_noop("No suitable time available"),
        gettext_noop("Forgotten"),
    ),
    ActionKind.DENTIST_RECALL: _BOOKING_REASONS,
    ActionKind.HYGIENIST_RECALL: _BOOKING_REASONS,
    ActionKind.PAYMENT: (
        gettext_noop("System or card terminal problem"),
        gettext_noop("Card declined"),
        gettext_noop("To be paid by invoice"),
        gettext_noop("Patient had no time"),
        gettext_noop("Forgotten"),
    ),
    ActionKind.MOBILE: (
        gettext_noop("Client has no mobile phone"),
        gettext_noop("Client did not want to give it"),
        gettext_noop("Patient had no time"),
        gettext_noop("Forgotten"),
    ),
    ActionKind.EMAIL: (
        gettext_noop("Client has no email address"),
        gettext_noop("Client did not want to give it"),
        gettext_noop("Patient had no time"),
        gettext_noop("Forgotten"),
    ),
    ActionKind.MARKETING_CONSENT: (
        gettext_noop("Client wants to think about it"),
        gettext_noop("Patient had no time"),
        gettext_noop("Forgotten"),
    ),
    ActionKind.CUSTOM: (
        gettext_noop("Patient declined"),
        gettext_noop("Patient had no time"),
        gettext_noop("Forgotten"),
    ),
}


def _local_today(workflow: DepartureWorkflow) -> dt.date:
    return localtime.local_today(workflow.location.tz)


def _require_staff(actor) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise ValidationError(_("Only a logged-in staff member can work the departure list."))


def _require_open(workflow: DepartureWorkflow, from_follow_up: bool) -> None:
    if not workflow.is_open and not from_follow_up:
        raise ValidationError(_("This checkout is already completed."))


def _step(
    action_or_workflow, *, actor, what: str, detail: str = "", from_follow_up: bool = False
) -> DepartureStep:
    if isinstance(action_or_workflow, DepartureAction):
        action, workflow = action_or_workflow, action_or_workflow.workflow
    else:
        action, workflow = None, action_or_workflow
    return DepartureStep.objects.unscoped().create(
        practice_id=workflow.practice_id,
        workflow=workflow,
        action=action,
        what=what,
        detail=detail[:300],
        from_follow_up=from_follow_up,
        by=actor,
    )


def _mark_followed_up(action: DepartureAction, actor) -> None:
    action.followed_up_at = timezone.now()
    action.followed_up_by = actor
    action.save(update_fields=["followed_up_at", "followed_up_by"])


def _earlier_unpaid_same_day(workflow: DepartureWorkflow) -> Decimal:
    """What the patient left unpaid at earlier checkouts of the same local day."""
    unpaid = (
        for_practice(DepartureAction, workflow.practice)
        .filter(
            kind=ActionKind.PAYMENT,
            outcome=Outcome.FAILED,
            local_date=workflow.local_date,
            workflow__patient_id=workflow.patient_id,
        )
        .exclude(workflow=workflow)
        .aggregate(total=Sum(F("amount_due") - F("paid_amount")))["total"]
    )
    return max(unpaid or Decimal(0), Decimal(0))


def _payment_due(workflow: DepartureWorkflow) -> Decimal:
    return appointment_amount_due(workflow.appointment) + _earlier_unpaid_same_day(workflow)


def _applicable(workflow: DepartureWorkflow, today: dt.date) -> list[DepartureAction]:
    practice, appointment = workflow.practice, workflow.appointment
    client = workflow.client
    kinds: dict[str, Decimal | None] = {}
    if (
        for_practice(PlannedTreatment, practice)
        .filter(
            plan__patient_id=workflow.patient_id,
            to_book=True,
            status=PlannedTreatment.Status.PLANNED,
        )
        .exists()
    ):
        kinds[ActionKind.PLANNED_TREATMENT] = None
    for recall in for_practice(Recall, practice).filter(patient_id=workflow.patient_id):
        if rules.recall_needed(recall, today):
            kinds[RECALL_ACTION[recall.kind]] = None
    due = _payment_due(workflow)
    if due > 0:
        kinds[ActionKind.PAYMENT] = due
    for kind in (ActionKind.MOBILE, ActionKind.EMAIL, ActionKind.MARKETING_CONSENT):
        if rules.detail_needed(client, kind, today):
            kinds[kind] = None
    if for_practice(CustomOption, practice).filter(appointment=appointment).exists():
        kinds[ActionKind.CUSTOM] = None
    return [
        DepartureAction(
            practice_id=workflow.practice_id,
            workflow=workflow,
            kind=kind,
            amount_due=amount,
            local_date=workflow.local_date,
            location_id=workflow.location_id,
            practitioner_id=workflow.practitioner_id,
        )
        for kind, amount in kinds.items()
    ]


@transaction.atomic
def workflow_build(practice: Practice, appointment: Appointment) -> DepartureWorkflow:
    """The departure list of a completed appointment (built once; later calls return it)."""
    existing = for_practice(DepartureWorkflow, practice).filter(appointment=appointment).first()
    if existing is not None:
        return existing
    if appointment.practice_id != practice.pk:
        raise ValidationError(_("Unknown appointment."))
    if appointment.status != Appointment.Status.COMPLETED:
        raise ValidationError(_("The departure list starts when the appointment is completed."))
    workflow = DepartureWorkflow.objects.unscoped().create(
        practice=practice,
        appointment=appointment,
        patient_id=appointment.patient_id,
        client_id=appointment.client_id,
        location_id=appointment.location_id,
        practitioner_id=appointment.practitioner_id,
        local_date=localtime.local_date(appointment.starts_at, appointment.location.tz),
    )
    DepartureAction.objects.unscoped().bulk_create(_applicable(workflow, _local_today(workflow)))
    return workflow


@transaction.atomic
def workflow_refresh(practice: Practice, workflow: DepartureWorkflow) -> None:
    """Bring an open list up to date: custom options added since, same-day unpaid amounts."""
    if not workflow.is_open:
        return
    actions = {a.kind: a for a in for_practice(DepartureAction, practice).filter(workflow=workflow)}
    options = for_practice(CustomOption, practice).filter(appointment_id=workflow.appointment_id)
    if ActionKind.CUSTOM not in actions and options.exists():
        _add_action(workflow, ActionKind.CUSTOM)
    payment = actions.get(ActionKind.PAYMENT)
    if payment is not None and payment.paid_amount > 0:
        return  # Paid in this workflow: the amount asked is settled history.
    due = _payment_due(workflow)
    if payment is None and due > 0:
        _add_action(workflow, ActionKind.PAYMENT, amount_due=due)
    elif payment is not None and due <= 0:
        payment.delete()  # Paid elsewhere before checkout: nothing left to take.
    elif payment is not None and payment.amount_due != due:
        payment.amount_due = due
        payment.save(update_fields=["amount_due"])


def _add_action(workflow: DepartureWorkflow, kind: str, **fields) -> DepartureAction:
    return DepartureAction.objects.unscoped().create(
        practice_id=workflow.practice_id,
        workflow=workflow,
        kind=kind,
        local_date=workflow.local_date,
        location_id=workflow.location_id,
        practitioner_id=workflow.practitioner_id,
        **fields,
    )


def _locked_action(practice: Practice, action: DepartureAction) -> DepartureAction:
    return (
        for_practice(DepartureAction, practice)
        .select_for_update()
        .select_related("workflow__client", "workflow__location", "workflow__practice")
        .get(pk=action.pk)
    )


def _check_kind(action: DepartureAction, kinds) -> None:
    if action.kind not in kinds:
        raise ValidationError(_("This does not apply to %(action)s.") % {"action": action})


def _begin_step(
    practice: Practice, actor, action: DepartureAction, kinds, from_follow_up: bool
) -> DepartureAction:
    """What every step checks first: a staff member, an open list (or a follow-up), an
    action of the right kind; the action comes back locked, with its workflow loaded."""
    _require_staff(actor)
    action = _locked_action(practice, action)
    _require_open(action.workflow, from_follow_up)
    _check_kind(action, kinds)
    return action


@transaction.atomic
def action_record_booking(
    practice: Practice,
    *,
    actor,
    action: DepartureAction,
    booked: Appointment,
    from_follow_up: bool = False,
) -> DepartureAction:
    """The appointment reception booked for this action (from the prefilled calendar)."""
    action = _begin_step(practice, actor, action, rules.BOOKING_KINDS, from_follow_up)
    workflow = action.workflow
    if booked.practice_id != practice.pk or booked.patient_id != workflow.patient_id:
        raise ValidationError(_("That appointment is not for this patient."))
    if not booked.holds_time or booked.starts_at <= workflow.appointment.starts_at:
        raise ValidationError(_("That is not a new appointment for this patient."))
    action.booked_appointment = booked
    action.save(update_fields=["booked_appointment"])
    if action.kind == ActionKind.PLANNED_TREATMENT:
        for_practice(PlannedTreatment, practice).filter(
            plan__patient_id=workflow.patient_id,
            to_book=True,
            status=PlannedTreatment.Status.PLANNED,
        ).update(status=PlannedTreatment.Status.BOOKED, appointment=booked)
    when = formats.date_format(
        localtime.to_local(booked.starts_at, booked.location.tz), "SHORT_DATETIME_FORMAT"
    )
    _step(
        action,
        actor=actor,
        what="booked",
        detail=f"{when} · {booked.consultation_type}",
        from_follow_up=from_follow_up,
    )
    if from_follow_up:
        _mark_followed_up(action, actor)
    return action


@transaction.atomic
def action_send_booking_link(
    practice: Practice,
    *,
    actor,
    action: DepartureAction,
    request_key: str,
    from_follow_up: bool = False,
) -> DepartureAction:
    """Send the client the online booking link (by SMS, else email) through messaging."""
    action = _begin_step(practice, actor, action, {ActionKind.PLANNED_TREATMENT}, from_follow_up)
    workflow = action.workflow
    channel = best_channel(practice, workflow.client)
    if not channel:
        raise ValidationError(
            _("The client has no mobile or email to send the link to. Collect one first.")
        )
    message = message_send_booking_link(
        practice, appointment=workflow.appointment, channel=channel, request_key=request_key
    )
    if message.status == message.Status.FAILED:
        raise ValidationError(message.error_text or _("The link could not be sent."))
    action.booking_link_message = message
    action.save(update_fields=["booking_link_message"])
    _step(
        action,
        actor=actor,
        what="booking_link_sent",
        detail=f"{message.get_channel_display()} → {message.recipient}",
        from_follow_up=from_follow_up,
    )
    return action


@transaction.atomic
def action_take_payment(
    practice: Practice, *, actor, action: DepartureAction, amount: Decimal, method: str
) -> DepartureAction:
    action = _begin_step(practice, actor, action, {ActionKind.PAYMENT}, False)
    workflow = action.workflow
    payment = payment_take(
        practice, actor=actor, appointment=workflow.appointment, amount=amount, method=method
    )
    action.paid_amount += payment.amount
    action.save(update_fields=["paid_amount"])
    _step(
        action,
        actor=actor,
        what="payment_taken",
        detail=f"{payment.amount} · {payment.get_method_display()}",
    )
    return action


@transaction.atomic
def action_collect_detail(
    practice: Practice,
    *,
    actor,
    action: DepartureAction,
    value: str,
    from_follow_up: bool = False,
) -> DepartureAction:
    """Save the mobile number or email the client gave (validated)."""
    action = _begin_step(
        practice, actor, action, {ActionKind.MOBILE, ActionKind.EMAIL}, from_follow_up
    )
    workflow = action.workflow
    field = "mobile" if action.kind == ActionKind.MOBILE else "email"
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("Type the %(what)s first.") % {"what": _(field)}})
    if field == "email":
        try:
            validate_email(value)
        except ValidationError as error:
            raise ValidationError({"email": _("Enter a valid email address.")}) from error
    client = for_practice(Client, practice).get(pk=workflow.client_id)
    client_update(practice, actor=actor, client=client, **{field: value})
    _step(
        action,
        actor=actor,
        what=f"{field}_collected",
        detail=getattr(client, field),
        from_follow_up=from_follow_up,
    )
    if from_follow_up:
        _mark_followed_up(action, actor)
    return action


@transaction.atomic
def action_prompt_later(
    practice: Practice, *, actor, action: DepartureAction, from_follow_up: bool = False
) -> DepartureAction:
    """'Prompt in 12 months': the detail is not asked for again until then."""
    action = _begin_step(practice, actor, action, rules.DETAIL_KINDS, from_follow_up)
    workflow = action.workflow
    until = rules.prompt_later_until(_local_today(workflow))
    client = for_practice(Client, practice).get(pk=workflow.client_id)
    client_update(practice, actor=actor, client=client, **{rules.PROMPT_FIELD[action.kind]: until})
    action.prompt_later = True
    action.save(update_fields=["prompt_later"])
    _step(
        action,
        actor=actor,
        what="prompt_later",
        detail=until.isoformat(),
        from_follow_up=from_follow_up,
    )
    if from_follow_up:
        _mark_followed_up(action, actor)
    return action


@transaction.atomic
def action_record_consent(
    practice: Practice,
    *,
    actor,
    action: DepartureAction,
    consent: bool,
    wording: str,
    from_follow_up: bool = False,
) -> DepartureAction:
    """An explicit yes or no to marketing, with when, by whom and the wording asked."""
    action = _begin_step(practice, actor, action, {ActionKind.MARKETING_CONSENT}, from_follow_up)
    workflow = action.workflow
    client = for_practice(Client, practice).get(pk=workflow.client_id)
    client_record_consent(practice, actor=actor, client=client, consent=consent, wording=wording)
    _step(
        action,
        actor=actor,
        what="consent_recorded",
        detail="yes" if consent else "no",
        from_follow_up=from_follow_up,
    )
    if from_follow_up:
        _mark_followed_up(action, actor)
    return action


@transaction.atomic
def option_link_open(
    practice: Practice, *, actor, workflow: DepartureWorkflow, link: CustomOptionLink
) -> str:
    """Record that reception opened a custom option's link in this workflow; its URL."""
    _require_staff(actor)
    _require_open(workflow, False)
    if link.practice_id != practice.pk or link.option.appointment_id != workflow.appointment_id:
        raise ValidationError(_("Unknown link."))
    if link.clicked_at is None:
        link.clicked_at = timezone.now()
        link.clicked_by = actor
        link.save(update_fields=["clicked_at", "clicked_by"])
    action = (
        for_practice(DepartureAction, practice)
        .filter(workflow=workflow, kind=ActionKind.CUSTOM)
        .first()
    )
    _step(action or workflow, actor=actor, what="link_opened", detail=link.title)
    return link.url


@transaction.atomic
def option_add(
    practice: Practice,
    *,
    actor,
    appointment: Appointment,
    message: str,
    links: list[tuple[str, str]],
) -> CustomOption:
    """A practitioner adds a custom option message (with its links) to the departure list."""
    _require_staff(actor)
    workflow = for_practice(DepartureWorkflow, practice).filter(appointment=appointment).first()
    if workflow is not None and not workflow.is_open:
        raise ValidationError(_("This checkout is already completed."))
    if not message.strip():
        raise ValidationError({"message": _("Write the message for reception.")})
    if not links:
        raise ValidationError({"links": _("Add at least one link (a leaflet or a form).")})
    option = CustomOption.objects.unscoped().create(
        practice=practice, appointment=appointment, message=message.strip(), added_by=actor
    )
    CustomOptionLink.objects.unscoped().bulk_create(
        CustomOptionLink(practice=practice, option=option, title=title, url=url)
        for title, url in links
    )
    if workflow is not None:
        workflow_refresh(practice, workflow)
    audit_log_write(practice, actor=actor, action="departure.option_add", obj=option)
    return option


class ReasonsMissing(ValidationError):
    """Some actions would fail and have no failure reason; `actions` names them."""

    def __init__(self, actions: list[DepartureAction]):
        self.actions = actions
        super().__init__(
            _("Choose why these were not done: %(actions)s.")
            % {"actions": ", ".join(str(a.get_kind_display()) for a in actions)}
        )


def workflow_preview(practice: Practice, workflow: DepartureWorkflow) -> dict[int, rules.Judgement]:
    """How each action would be judged if reception completed now (for the checkout page)."""
    return _judge_all(practice, workflow, list(_actions(practice, workflow)))


def _actions(practice: Practice, workflow: DepartureWorkflow):
    return (
        for_practice(DepartureAction, practice)
        .filter(workflow=workflow)
        .select_related("booked_appointment", "booking_link_message")
    )


def _judge_all(practice, workflow, actions) -> dict[int, rules.Judgement]:
    client = for_practice(Client, practice).get(pk=workflow.client_id)
    links = for_practice(CustomOptionLink, practice).filter(
        option__appointment_id=workflow.appointment_id
    )
    clicked_all = links.exists() and not links.filter(clicked_at__isnull=True).exists()
    judged = {}
    for action in actions:
        booked = action.booked_appointment
        if booked is not None and not booked.holds_time:
            booked = None  # Booked, then cancelled before checkout ended: not booked.
        judged[action.pk] = rules.judge(
            action,
            client=client,
            clicked_all_links=clicked_all,
            booked=booked,
            link_message=action.booking_link_message,
        )
    return judged


@transaction.atomic
def workflow_complete(
    practice: Practice,
    *,
    actor,
    workflow: DepartureWorkflow,
    failure_reasons: dict[int, tuple[FailureReason | None, str]] | None = None,
) -> DepartureWorkflow:
    """Judge every action and close the list.

    An action left failed needs a reason (from the practice's list, or free text):
    without one nothing is saved and `ReasonsMissing` names the actions.
    """
    _require_staff(actor)
    workflow = (
        for_practice(DepartureWorkflow, practice)
        .select_for_update()
        .select_related("location", "appointment")
        .get(pk=workflow.pk)
    )
    _require_open(workflow, False)
    workflow_refresh(practice, workflow)
    failure_reasons = failure_reasons or {}
    _lock_booking_links(practice, workflow)
    actions = list(_actions(practice, workflow))
    judged = _judge_all(practice, workflow, actions)
    missing = [
        a
        for a in actions
        if judged[a.pk].outcome == Outcome.FAILED
        and not (failure_reasons.get(a.pk, (None, ""))[0] or failure_reasons.get(a.pk, ("", ""))[1])
    ]
    if missing:
        raise ReasonsMissing(missing)
    now = timezone.now()
    for action in actions:
        verdict = judged[action.pk]
        action.outcome = verdict.outcome
        action.postpone_reason = verdict.postpone_reason
        action.postpone_note = verdict.postpone_note[:300]
        if verdict.outcome == Outcome.FAILED:
            reason, note = failure_reasons[action.pk]
            if reason is not None and reason.practice_id != practice.pk:
                raise ValidationError(_("Unknown failure reason."))
            if reason is not None and not reason.fits(action.kind):
                raise ValidationError(
                    _("'%(reason)s' is not a reason for %(action)s.")
                    % {"reason": reason.label, "action": action.get_kind_display()}
                )
            action.failure_reason, action.failure_note = reason, (note or "").strip()[:300]
        action.judged_at = now
        action.completed_by = actor
    DepartureAction.objects.unscoped().bulk_update(
        actions,
        [
            "outcome",
            "postpone_reason",
            "postpone_note",
            "failure_reason",
            "failure_note",
            "judged_at",
            "completed_by",
        ],
    )
    workflow.status = DepartureWorkflow.Status.COMPLETED
    workflow.completed_at = now
    workflow.completed_by = actor
    workflow.has_failure = any(a.outcome == Outcome.FAILED for a in actions)
    workflow.save(update_fields=["status", "completed_at", "completed_by", "has_failure"])
    _step(workflow, actor=actor, what="completed")
    payment = next((a for a in actions if a.kind == ActionKind.PAYMENT), None)
    if payment is not None and payment.outcome == Outcome.SUCCESS:
        _settle_earlier_same_day(practice, workflow, actor)
    audit_log_write(practice, actor=actor, action="departure.complete", obj=workflow)
    return workflow


def _lock_booking_links(practice: Practice, workflow: DepartureWorkflow) -> None:
    # Judge each booking link as it is now: a status callback that arrives meanwhile waits
    # for this checkout to commit and is then followed (`action_follow_booking_link`), so
    # it is never lost between the judging and the commit.
    links = for_practice(DepartureAction, practice).filter(workflow=workflow)
    list(
        for_practice(Message, practice)
        .select_for_update()
        .filter(pk__in=links.values("booking_link_message_id"))
        .values_list("pk", flat=True)
    )


@transaction.atomic
def action_follow_booking_link(
    practice: Practice, *, message: Message, actor=None
) -> list[DepartureAction]:
    """An outcome that rests on an online booking link follows the link's final status.

    'Book Planned Treatment' is judged once at checkout, but Twilio usually reports a link
    failed or undelivered only after that. The rule is that the patient received the link,
    so an action of a completed checkout judged on this link (postponed because it was
    sent, or failed because it did not arrive), and not worked since from the follow-up
    list, is judged again on the link's new status (`rules.judge_booking_link`): it becomes
    failed, with a history step saying why, leaves the follow-up list and counts as failed
    in the report; a resend makes it postponed again. Returns the actions that changed.
    """
    rests_on_link = Q(
        outcome=Outcome.POSTPONED, postpone_reason=PostponeReason.BOOKING_LINK_SENT
    ) | Q(outcome=Outcome.FAILED)
    actions = (
        for_practice(DepartureAction, practice)
        .select_for_update(of=("self",))
        .filter(
            rests_on_link,
            booking_link_message_id=message.pk,
            kind=ActionKind.PLANNED_TREATMENT,
            workflow__status=DepartureWorkflow.Status.COMPLETED,
            followed_up_at__isnull=True,
        )
        .select_related("workflow")
    )
    # The provider calls with no one's language active: the notes and history it writes
    # are kept in the practice's language, like the rest of its records.
    with translation.override(practice.language):
        verdict = rules.judge_booking_link(message)
        changed = [action for action in actions if action.outcome != verdict.outcome]
        for action in changed:
            _apply_link_verdict(action, verdict, message, actor)
    if changed:
        _refresh_has_failure(practice, {action.workflow_id for action in changed})
    return changed


def _apply_link_verdict(
    action: DepartureAction, verdict: rules.Judgement, message: Message, actor
) -> None:
    failed = verdict.outcome == Outcome.FAILED
    action.outcome = verdict.outcome
    action.postpone_reason, action.postpone_note = verdict.postpone_reason, verdict.postpone_note
    action.failure_reason = None
    action.failure_note = rules.booking_link_failure(message)[:300] if failed else ""
    action.save(
        update_fields=[
            "outcome",
            "postpone_reason",
            "postpone_note",
            "failure_reason",
            "failure_note",
        ]
    )
    _step(
        action,
        actor=actor,
        what="booking_link_failed" if failed else "booking_link_resent",
        detail=action.failure_note
        if failed
        else f"{message.get_channel_display()} → {message.recipient}",
    )


def _refresh_has_failure(practice: Practice, workflow_ids: set[int]) -> None:
    failed = for_practice(DepartureAction, practice).filter(
        workflow_id=OuterRef("pk"), outcome=Outcome.FAILED
    )
    for_practice(DepartureWorkflow, practice).filter(pk__in=workflow_ids).update(
        has_failure=Exists(failed)
    )


def _settle_earlier_same_day(practice: Practice, workflow: DepartureWorkflow, actor) -> None:
    """A payment taken in a later workflow the same local day settles earlier missed ones."""
    missed = list(
        for_practice(DepartureAction, practice)
        .filter(
            kind=ActionKind.PAYMENT,
            outcome=Outcome.FAILED,
            local_date=workflow.local_date,
            workflow__patient_id=workflow.patient_id,
            workflow__status=DepartureWorkflow.Status.COMPLETED,
        )
        .exclude(workflow=workflow)
        .select_related("workflow")
    )
    for action in missed:
        action.outcome = Outcome.SUCCESS
        action.failure_reason = None
        action.failure_note = ""
        action.save(update_fields=["outcome", "failure_reason", "failure_note"])
        _step(
            action,
            actor=actor,
            what="paid_later_same_day",
            # The date only: the step's label says the rest, in the reader's language.
            detail=workflow.local_date.isoformat(),
        )
    earlier = {a.workflow_id for a in missed}
    if earlier:
        still_failing = set(
            for_practice(DepartureAction, practice)
            .filter(workflow_id__in=earlier, outcome=Outcome.FAILED)
            .values_list("workflow_id", flat=True)
        )
        for_practice(DepartureWorkflow, practice).filter(Q(pk__in=earlier - still_failing)).update(
            has_failure=False
        )


def failure_reasons_install_defaults(practice: Practice) -> None:
    """A new practice starts with a short list of reasons per action, in its own language,
    which it can edit in Settings. A practice that has reasons keeps them."""
    if for_practice(FailureReason, practice).exists():
        return
    with translation.override(practice.language):
        FailureReason.objects.unscoped().bulk_create(
            FailureReason(practice=practice, kind=kind, label=_(label), position=i)
            for kind, labels in DEFAULT_FAILURE_REASONS.items()
            for i, label in enumerate(labels)
        )
