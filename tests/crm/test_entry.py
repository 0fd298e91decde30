"""Staff entry: dialogs, comments (the window at both edges), processed, relinked calls."""

import datetime as dt

import pytest
from django.db.models import Q
from django.utils import timezone

from crm.events import communication_rebuild, fold_web_request
from crm.integration import call_event_record, chat_event_record, web_request_record
from crm.models import Comment, Communication
from practice import localtime
from practice.scoping import for_practice

DAY = dt.date(2026, 3, 10)


def local(practice, hh, mm, ss=0, day=DAY):
    return localtime.wall_to_utc(day, dt.time(hh, mm, ss), practice.tz)


@pytest.fixture
def call_at_10(practice_a):
    """An incoming call from Anna's number at 10:00:00 Amsterdam time."""
    return call_event_record(
        practice_a,
        {"provider_id": "c10", "event": "missed", "occurred_at": local(practice_a, 10, 0),
         "direction": "in", "from_number": "+31612345678"},
    ).communication  # fmt: skip


def comment_page(client, hh, mm, ss, phone="06 12345678", direction="in"):
    return client.post(
        "/contacts/new-comment/",
        {"phone": phone, "direction": direction, "stated_date": DAY.isoformat(),
         "stated_time": f"{hh:02}:{mm:02}:{ss:02}", "text": "Belt terug na de lunch"},
    )  # fmt: skip


def test_a_comment_exactly_at_the_window_edge_attaches_to_the_call(rita_client, call_at_10):
    answer = comment_page(rita_client, 10, 5, 0)
    assert answer.status_code == 302
    comment = Comment.objects.unscoped().get()
    assert comment.communication == call_at_10
    assert answer.url == f"/contacts/{call_at_10.pk}/"


def test_a_comment_one_second_past_the_window_stays_on_its_own(rita_client, call_at_10):
    answer = comment_page(rita_client, 10, 5, 1)
    assert answer.status_code == 302
    assert Comment.objects.unscoped().get().communication is None
    page = rita_client.get("/contacts/comments/")
    assert "Belt terug na de lunch" in page.content.decode()


def test_the_window_is_symmetric_before_the_call(rita_client, call_at_10):
    comment_page(rita_client, 9, 55, 0)
    comment_page(rita_client, 9, 54, 59)
    attached = Comment.objects.unscoped().order_by("stated_at")
    assert [c.communication_id for c in attached] == [None, call_at_10.pk]


def test_the_window_is_a_practice_setting(rita_client, call_at_10, practice_a):
    from crm.models import ContactSettings

    ContactSettings.objects.unscoped().create(practice=practice_a, comment_window_minutes=10)
    comment_page(rita_client, 10, 9, 0)
    assert Comment.objects.unscoped().get().communication == call_at_10


def test_a_comment_needs_the_same_direction(rita_client, call_at_10):
    comment_page(rita_client, 10, 1, 0, direction="out")
    assert Comment.objects.unscoped().get().communication is None


def test_a_comment_written_before_its_call_arrives_attaches_when_it_comes(rita_client, practice_a):
    comment_page(rita_client, 10, 2, 0)
    assert Comment.objects.unscoped().get().communication is None
    call = call_event_record(
        practice_a,
        {"provider_id": "late", "event": "missed", "occurred_at": local(practice_a, 10, 0),
         "direction": "in", "from_number": "0612345678"},
    ).communication  # fmt: skip
    assert Comment.objects.unscoped().get().communication == call


def test_an_unattached_comment_can_be_deleted_an_attached_one_not(rita_client, call_at_10):
    comment_page(rita_client, 10, 6, 0)  # on its own
    comment_page(rita_client, 10, 1, 0)  # on the call
    alone, attached = (Comment.objects.unscoped().get(communication__isnull=True),
                       Comment.objects.unscoped().get(communication__isnull=False))  # fmt: skip
    rita_client.post(f"/contacts/comments/{attached.pk}/delete/")
    rita_client.post(f"/contacts/comments/{alone.pk}/delete/")
    assert list(Comment.objects.unscoped().all()) == [attached]


def test_a_comment_on_a_chat_makes_its_author_the_chats_employee(
    rita_client, practice_a, receptionist, dentist
):
    at = local(practice_a, 11, 0)
    base = {"provider_id": "ch1", "occurred_at": at, "chat_channel": "whatsapp"}
    chat = chat_event_record(
        practice_a, {**base, "event": "message_out", "message_id": "m1", "employee_id": dentist.pk}
    ).communication
    assert chat.employee == dentist
    answer = rita_client.post(f"/contacts/{chat.pk}/comment/", {"text": "Afspraak gemaakt"})
    assert answer.status_code == 302
    chat.refresh_from_db()
    assert chat.employee == receptionist
    # a later message of the chat does not take it back
    chat_event_record(practice_a, {**base, "event": "message_in", "message_id": "m2",
                                   "occurred_at": at + dt.timedelta(minutes=1)})  # fmt: skip
    chat.refresh_from_db()
    assert chat.employee == receptionist


def test_staff_entry_keeps_the_stated_time_and_the_entry_time(
    rita_client, practice_a, receptionist
):
    before = timezone.now()
    answer = rita_client.post(
        "/contacts/new-dialog/",
        {"kind": "request_dialog", "direction": "in", "phone": "0612345678", "name": "Anna",
         "stated_date": "2026-03-29", "stated_time": "01:30", "text": "Wil een afspraak"},
    )  # fmt: skip
    assert answer.status_code == 302, answer.content.decode()
    c = for_practice(Communication, practice_a).get()
    # 29 March 2026 is the spring-forward night in Amsterdam: 01:30 is still CET (UTC+1)
    assert c.started_at == dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)
    assert c.local_date == dt.date(2026, 3, 29)
    assert before <= c.entered_at <= timezone.now()
    assert (c.kind, c.status, c.source) == ("request_dialog", "needs_callback", "staff")
    assert (c.phone_e164, c.employee) == ("+31612345678", receptionist)


def test_a_dialog_is_finished(rita_client, practice_a):
    rita_client.post(
        "/contacts/new-dialog/",
        {"kind": "dialog", "direction": "out", "phone": "0612345678",
         "stated_date": "2026-03-10", "stated_time": "09:00"},
    )  # fmt: skip
    assert for_practice(Communication, practice_a).get().status == "finished"


def test_a_dialog_with_nobody_named_is_refused_and_nothing_saved(rita_client, practice_a):
    answer = rita_client.post("/contacts/new-dialog/", {"kind": "dialog", "direction": "in",
                              "stated_date": "2026-03-10", "stated_time": "09:00"})  # fmt: skip
    assert answer.status_code == 400
    assert not for_practice(Communication, practice_a).exists()


def test_a_web_request_marked_processed_stays_processed_when_its_event_repeats(
    rita_client, practice_a, receptionist
):
    data = {"provider_id": "f1", "occurred_at": local(practice_a, 9, 0), "phone": "0612345678"}
    request = web_request_record(practice_a, data).communication
    assert rita_client.post(f"/contacts/{request.pk}/processed/").status_code == 302
    assert web_request_record(practice_a, data).stored is False  # a repeat: refused quietly
    # and rebuilt from its events (as a later event would), it stays processed
    communication_rebuild(practice_a, source="api", conversation_id="web:f1",
                          kind="web_request", fold=fold_web_request,
                          related=Q(provider_id="web:f1"))  # fmt: skip
    request.refresh_from_db()
    assert (request.status, request.processed_by) == ("processed", receptionist)
    assert request.processed_at is not None


def test_a_call_cannot_be_marked_processed(rita_client, call_at_10):
    assert rita_client.post(f"/contacts/{call_at_10.pk}/processed/").status_code == 400


def test_a_call_is_relinked_to_the_web_request_it_answered(rita_client, practice_a, call_at_10):
    data = {"provider_id": "f1", "occurred_at": local(practice_a, 9, 0), "phone": "0612345678"}
    request = web_request_record(practice_a, data).communication
    assert rita_client.get(f"/contacts/{call_at_10.pk}/relink/").status_code == 200
    answer = rita_client.post(f"/contacts/{call_at_10.pk}/relink/", {"web_request": request.pk})
    assert answer.status_code == 302
    call_at_10.refresh_from_db()
    assert call_at_10.answers_request == request
    rita_client.post(f"/contacts/{call_at_10.pk}/relink/", {"web_request": ""})
    call_at_10.refresh_from_db()
    assert call_at_10.answers_request is None


def test_another_practices_web_request_cannot_be_linked(rita_client, practice_b, call_at_10):
    theirs = web_request_record(
        practice_b, {"provider_id": "f", "occurred_at": call_at_10.started_at, "phone": "040123"}
    ).communication
    answer = rita_client.post(f"/contacts/{call_at_10.pk}/relink/", {"web_request": theirs.pk})
    assert answer.status_code == 400
    call_at_10.refresh_from_db()
    assert call_at_10.answers_request is None


def test_another_practices_communication_answers_404(rita_client, practice_b):
    theirs = web_request_record(
        practice_b, {"provider_id": "f", "occurred_at": timezone.now(), "phone": "040123"}
    ).communication
    for url in (f"/contacts/{theirs.pk}/", f"/contacts/{theirs.pk}/relink/"):
        assert rita_client.get(url).status_code == 404
    for url in (f"/contacts/{theirs.pk}/processed/", f"/contacts/{theirs.pk}/comment/"):
        assert rita_client.post(url, {"text": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.processed_at is None


def test_another_practices_comment_cannot_be_deleted(rita_client, practice_b, outsider):
    comment = Comment.objects.unscoped().create(
        practice=practice_b, author=outsider, text="x", stated_at=timezone.now()
    )
    assert rita_client.post(f"/contacts/comments/{comment.pk}/delete/").status_code == 404
    assert Comment.objects.unscoped().filter(pk=comment.pk).exists()


def test_a_role_without_contact_history_is_refused(client, dentist, call_at_10):
    client.force_login(dentist.user)
    assert client.get("/contacts/new-dialog/").status_code == 403
    assert client.get(f"/contacts/{call_at_10.pk}/").status_code == 403


def test_the_pages_answer(rita_client, call_at_10):
    for url in ("/contacts/new-dialog/", "/contacts/new-comment/", "/contacts/comments/",
                f"/contacts/{call_at_10.pk}/"):  # fmt: skip
        assert rita_client.get(url).status_code == 200


def test_the_unattached_comments_page_has_a_fixed_number_of_queries(
    rita_client, practice_a, receptionist, django_assert_max_num_queries
):
    for i in range(15):
        Comment.objects.unscoped().create(
            practice=practice_a, author=receptionist, text=f"c{i}", stated_at=timezone.now()
        )
    with django_assert_max_num_queries(8):
        assert rita_client.get("/contacts/comments/").status_code == 200
