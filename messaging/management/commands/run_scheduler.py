"""Tick the scheduler without Celery beat (the embedded default has no Redis): due
messages, and due reminders of CRM tasks."""

import time

from django.core.management.base import BaseCommand

from crm.tasks import remind_due_tasks_task
from messaging.dispatch import dispatch_due_messages
from messaging.reconcile import reconcile_uncertain
from practice.hooks import run_scheduler_ticks


class Command(BaseCommand):
    help = "Send due messages and task reminders every few seconds (as Celery beat does)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=15.0)
        parser.add_argument("--once", action="store_true", help="One tick, then exit.")

    def handle(self, *args, interval: float, once: bool, **options):
        while True:
            # Apps above (workflows) first: their steps queue messages sent below.
            run_scheduler_ticks()
            sent = 0
            while handled := dispatch_due_messages():
                sent += handled
            settled = reconcile_uncertain()
            reminded = remind_due_tasks_task()  # run here, in this process
            if sent or any(settled.values()):
                self.stdout.write(f"sent {sent}, settled {settled}")
            if reminded:
                self.stdout.write(f"task reminders {reminded}")
            if once:
                return
            time.sleep(interval)
