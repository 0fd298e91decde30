from celery import shared_task

from .dispatch import dispatch_all_due
from .reconcile import reconcile_uncertain


@shared_task(ignore_result=True)
def dispatch_due_messages_task() -> int:
    """Periodic (beat) and on demand after a booking: send what is due, batch by batch."""
    return dispatch_all_due()


@shared_task(ignore_result=True)
def reconcile_uncertain_task() -> dict[str, int]:
    """Periodic (beat): settle sends cut off mid-way, from the provider's own record."""
    return reconcile_uncertain()
