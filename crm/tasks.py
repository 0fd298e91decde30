from celery import shared_task

from .reminders import remind_due_tasks


@shared_task(ignore_result=True)
def remind_due_tasks_task() -> int:
    """Periodic (beat): email the assignees of tasks that fell due, batch by batch."""
    total = 0
    while claimed := remind_due_tasks():
        total += claimed
    return total
