"""Writes for recalls: when a patient is due back for a dentist or hygienist check
(services; pages and API call them).

A patient has at most one recall of each kind in a practice (`recall_unique_kind`): a second
one is refused with the first one's date, so the existing recall is changed instead. The
check here gives the reason; the unique constraint has the final word when two requests race.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats
from django.utils.translation import gettext as _

from patients.models import Patient
from practice.models import Practice
from practice.parsing import InvalidInput, check_year
from practice.rights import Right, require_right
from practice.scoping import for_practice
from practice.services import audit_log_write

from .models import Recall
from .services import check_same_practice

UNIQUE_KIND = "recall_unique_kind"


def _already(recall: Recall) -> ValidationError:
    return ValidationError(
        {
            "kind": _(
                "This patient already has a recall of this kind (%(kind)s), due %(date)s: "
                "change that one instead."
            )
            % {
                "kind": recall.get_kind_display(),
                "date": formats.date_format(recall.due_date, "SHORT_DATE_FORMAT"),
            }
        }
    )


def _check_values(kind: str | None, due_date: dt.date | None) -> None:
    if kind is not None and kind not in Recall.Kind.values:
        raise ValidationError({"kind": _("Choose a dentist or hygienist recall.")})
    if due_date is not None:
        try:
            check_year(due_date, field="due_date")  # a year local days are computed for
        except InvalidInput as error:
            raise ValidationError({"due_date": error.message}) from None


def _existing(practice: Practice, patient: Patient, kind: str) -> Recall | None:
    return for_practice(Recall, practice).filter(patient=patient, kind=kind).first()


def _is_unique_kind_violation(error: IntegrityError) -> bool:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) in (UNIQUE_KIND, None)


@transaction.atomic
def recall_create(
    practice: Practice,
    *,
    actor,
    patient: Patient,
    kind: str,
    due_date: dt.date,
    to_book: bool = False,
) -> Recall:
    """Set when `patient` is due back for a `kind` recall; to_book asks reception to book it
    at checkout. One recall of a kind per patient: a second is refused naming the first."""
    require_right(practice, actor, Right.EDIT_PATIENTS)
    check_same_practice(practice, patient=patient)
    _check_values(kind, due_date)
    existing = _existing(practice, patient, kind)
    if existing is not None:
        raise _already(existing)
    try:
        with transaction.atomic():  # a savepoint: the race's loser answers like the check
            recall = Recall.objects.unscoped().create(
                practice=practice, patient=patient, kind=kind, due_date=due_date, to_book=to_book
            )
    except IntegrityError as error:
        if not _is_unique_kind_violation(error):
            raise
        existing = for_practice(Recall, practice).filter(patient=patient, kind=kind).first()
        raise _already(existing or Recall(kind=kind, due_date=due_date)) from None
    audit_log_write(
        practice,
        actor=actor,
        action="recall.create",
        obj=recall,
        data={"kind": kind, "due_date": due_date.isoformat(), "to_book": to_book},
    )
    return recall


@transaction.atomic
def recall_update(
    practice: Practice,
    *,
    actor,
    recall: Recall,
    due_date: dt.date | None = None,
    to_book: bool | None = None,
) -> Recall:
    """Move a recall's due date or change whether reception books it at checkout.

    Compared with the stored row (read under a lock), not with `recall`: a ModelForm has
    already put the new values on the instance it was given.
    """
    require_right(practice, actor, Right.EDIT_PATIENTS)
    check_same_practice(practice, recall=recall)
    _check_values(None, due_date)
    stored = for_practice(Recall, practice).select_for_update().get(pk=recall.pk)
    changes = {
        name: value
        for name, value in (("due_date", due_date), ("to_book", to_book))
        if value is not None and value != getattr(stored, name)
    }
    for name, value in changes.items():
        setattr(stored, name, value)
    if changes:
        stored.save(update_fields=sorted(changes))
        audit_log_write(
            practice,
            actor=actor,
            action="recall.update",
            obj=stored,
            data={"due_date": stored.due_date.isoformat(), "to_book": stored.to_book},
        )
    recall.due_date, recall.to_book = stored.due_date, stored.to_book
    return recall


@transaction.atomic
def recall_delete(practice: Practice, *, actor, recall: Recall) -> None:
    """Remove a recall (the patient is no longer expected back for it)."""
    require_right(practice, actor, Right.EDIT_PATIENTS)
    check_same_practice(practice, recall=recall)
    audit_log_write(
        practice,
        actor=actor,
        action="recall.delete",
        obj=recall,
        data={"kind": recall.kind, "due_date": recall.due_date.isoformat()},
    )
    recall.delete()
