"""Tick the message scheduler without Celery beat (the embedded default has no Redis)."""

import time

from django.core.management.base import BaseCommand

from messaging.dispatch import dispatch_all_due
from messaging.reconcile import reconcile_uncertain


class Command(BaseCommand):
    help = "Send due messages every few seconds (what Celery beat does in production)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=15.0)
        parser.add_argument("--once", action="store_true", help="One tick, then exit.")

    def handle(self, *args, interval: float, once: bool, **options):
        while True:
            sent = dispatch_all_due()
            settled = reconcile_uncertain()
            if sent or any(settled.values()):
                self.stdout.write(f"sent {sent}, settled {settled}")
            if once:
                return
            time.sleep(interval)
