from django.core.management import call_command
from django.utils import timezone

from crm.models import Task
from practice.models import Membership


def test_the_demo_gives_each_practices_reception_tasks_to_show(db, client):
    call_command("seed_demo", "--clients", "20", verbosity=0)

    for username in ("reception", "vastaanotto"):
        reception = Membership.objects.unscoped().get(user__username=username)
        tasks = Task.objects.unscoped().filter(assignee=reception, status="open")
        assert tasks.filter(due_at__lt=timezone.now()).exists()  # overdue
        assert tasks.filter(due_at__gt=timezone.now()).exists()
        assert tasks.filter(due_at__isnull=True).exists()
        client.force_login(reception.user)
        page = client.get("/tasks/").content.decode()
        assert 'class="count-badge"' in page
        assert page.count('id="task-') == tasks.count()

    # seeding again (--if-empty) adds none
    before = Task.objects.unscoped().count()
    call_command("seed_demo", "--if-empty", verbosity=0)
    assert Task.objects.unscoped().count() == before


def test_the_demo_has_contact_history_with_todays_missed_calls_in_both_practices(db):
    from crm.models import Communication
    from practice import localtime
    from practice.models import Practice

    call_command("seed_demo", "--clients", "20", verbosity=0)
    for practice in Practice.objects.all():
        rows = Communication.objects.unscoped().filter(practice=practice)
        today = localtime.local_today(practice.tz)
        assert rows.filter(kind="call", status="missed", local_date=today).count() >= 3
        assert rows.filter(kind="call", status="answered").exists()
        assert rows.filter(local_date__lt=today).exists()  # earlier days too


def test_the_demos_web_requests_and_chats_show_their_ad_channel_and_the_rule_that_fired(db):
    from crm.models import Communication
    from practice.models import Practice

    call_command("seed_demo", "--clients", "20", verbosity=0)
    for practice in Practice.objects.all():
        rows = Communication.objects.unscoped().filter(practice=practice)
        google = rows.filter(kind="web_request", utm_source="google").first()
        assert google is not None
        assert (google.channel.name, google.channel_rule.kind) == ("Google Ads", "utm")
        assert "google" in google.channel_evidence
        by_messenger = {"whatsapp": "WhatsApp", "telegram": "Telegram", "site widget": "Website"}
        chats = list(rows.filter(kind="chat").select_related("channel"))
        assert chats
        assert all(c.channel.name == by_messenger[c.chat_channel] for c in chats)
