"""Practice-owned models and their fail-closed manager, and the one access helper."""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.http import Http404

from .tenancy import ALL_PRACTICES, current_practice_id

M = TypeVar("M", bound="PracticeOwnedModel")


class PracticeScopedManager(models.Manager):
    """Filters by the current practice; raises PracticeNotSet when none is set."""

    def get_queryset(self) -> models.QuerySet:
        practice_id = current_practice_id()
        if practice_id == ALL_PRACTICES:
            return super().get_queryset()
        return super().get_queryset().filter(practice_id=practice_id)

    def none(self) -> models.QuerySet:
        # An empty queryset shows no practice's rows, so it needs no current practice
        # (form fields declare one at import time and get the scoped one per request).
        return super().get_queryset().none()

    def unscoped(self) -> models.QuerySet:
        """All practices' rows. The one deliberate escape: admin for superusers, seeding."""
        return super().get_queryset()


class PracticeOwnedModel(models.Model):
    practice = models.ForeignKey("practice.Practice", on_delete=models.CASCADE, related_name="+")

    objects = PracticeScopedManager()

    # Django follows foreign keys through the plain base manager, so `appointment.patient`
    # loads without a current practice: the row's id already came from a scoped query.

    class Meta:
        abstract = True


def for_practice(model: type[M], practice) -> models.QuerySet[M]:
    """The one scoping helper: `model`'s rows of `practice`, explicit and checked."""
    return model.objects.unscoped().filter(practice_id=practice.pk)


def get_for_practice_or_404(model: type[M], practice, pk, **filters) -> M:
    """Look up `pk` in `practice`: another practice's id answers 404 exactly like a missing one."""
    try:
        return for_practice(model, practice).get(pk=pk, **filters)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No {model._meta.verbose_name} matches the given query.") from exc
