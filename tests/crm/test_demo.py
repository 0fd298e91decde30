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
        # one of them reception called back within 15 minutes (once that time of day is past)
        recovered = rows.filter(kind="call", local_date=today, recovery="called_back")
        if localtime.to_local(timezone.now(), practice.tz).hour >= 1:
            assert recovered.filter(recovery_minutes__lte=15).exists()
        assert rows.filter(kind="call", status="answered").exists()
        assert rows.filter(local_date__lt=today).exists()  # earlier days too


def test_the_demos_web_requests_and_chats_show_their_ad_channel_and_the_rule_that_fired(db):
    from crm.integration import chat_event_record, web_request_record
    from practice.models import Practice

    call_command("seed_demo", "--clients", "20", verbosity=0)
    at = timezone.now()
    for practice in Practice.objects.all():
        # what the demo's traffic sends (crm.fake_telephony), through the integration's path
        request = web_request_record(practice, {
            "provider_id": "t1", "occurred_at": at, "name": "Eva", "phone": "+31612000001",
            "utm_source": "google", "utm_medium": "cpc", "utm_campaign": "implants",
            "service": "landing",
        }).communication  # fmt: skip
        chat = chat_event_record(practice, {
            "provider_id": "t2", "event": "message_in", "message_id": "1", "occurred_at": at,
            "chat_channel": "whatsapp", "text": "Hello",
        }).communication  # fmt: skip
        request.refresh_from_db()
        chat.refresh_from_db()
        assert (request.channel.name, request.channel_rule.kind) == ("Google Ads", "utm")
        assert "google" in request.channel_evidence
        assert (chat.channel.name, chat.channel_rule.kind) == ("WhatsApp", "chat_channel")


def test_a_practice_with_contact_history_can_be_deleted_whole(db):
    from crm.models import Channel, Comment, Communication
    from practice import demo
    from practice.models import Membership, Practice

    call_command("seed_demo", "--clients", "20", verbosity=0)
    practice = Practice.objects.get(slug="tandartspraktijk-de-molen")
    author = Membership.objects.unscoped().filter(practice=practice).first()
    Comment.objects.unscoped().create(
        practice=practice, author=author, text="Belde terug", stated_at=timezone.now()
    )
    assert Channel.objects.unscoped().filter(practice=practice).exists()
    demo.delete_practice(practice)
    assert not Practice.objects.filter(pk=practice.pk).exists()
    assert not Communication.objects.unscoped().filter(practice_id=practice.pk).exists()
