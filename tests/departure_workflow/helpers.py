"""Small helpers for departure tests."""

from departure_workflow import services
from departure_workflow.models import DepartureAction


def action_of(workflow, kind) -> DepartureAction:
    return DepartureAction.objects.unscoped().get(workflow=workflow, kind=kind)


def kinds_of(workflow) -> set[str]:
    return set(
        DepartureAction.objects.unscoped().filter(workflow=workflow).values_list("kind", flat=True)
    )


def build(practice, appointment):
    return services.workflow_build(practice, appointment)


def complete_with_reasons(practice, workflow, actor, note="Patient in a hurry"):
    """Complete, giving a free-text reason for every action (only failed ones use it)."""
    reasons = {
        a.pk: (None, note) for a in DepartureAction.objects.unscoped().filter(workflow=workflow)
    }
    return services.workflow_complete(
        practice, actor=actor, workflow=workflow, failure_reasons=reasons
    )
