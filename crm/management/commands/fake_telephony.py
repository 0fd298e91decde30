"""Post fake calls, chats and web requests for a practice through the integration API."""

from django.core.management.base import BaseCommand, CommandError

from crm.fake_telephony import fake_telephony
from practice.models import Practice


class Command(BaseCommand):
    help = (
        "Generate N days of realistic calls (answered, missed, forwarded and not picked up), "
        "chats and web requests with UTM tags for a practice, posted through /api/v1/crm/ "
        "with a key made for the run (and revoked after it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--practice", required=True, help="The practice's slug.")
        parser.add_argument("--days", type=int, default=7, help="Local days up to today.")
        parser.add_argument("--seed", type=int, default=0, help="Same seed, same traffic.")

    def handle(self, *args, practice, days, seed, **options):
        found = Practice.objects.filter(slug=practice).first()
        if found is None:
            raise CommandError(f"No practice with the slug '{practice}'.")
        if not 1 <= days <= 366:
            raise CommandError("Give --days from 1 to 366.")
        posted = fake_telephony(found, days=days, seed=seed)
        self.stdout.write(
            f"{found.name}: {posted.calls} calls, {posted.chats} chats, "
            f"{posted.web_requests} web requests ({posted.events} events posted)."
        )
        for refusal in posted.refused[:10]:
            self.stderr.write(f"refused: {refusal}")
        if posted.refused:
            raise CommandError(f"{len(posted.refused)} events were refused.")
