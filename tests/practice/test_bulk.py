"""update_from_values: many rows, each with its own values, in one statement."""

import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from messaging.models import Message
from practice import bulk


@pytest.fixture
def rows(practice_a, patient_a):
    def make(count, **fields):
        return Message.objects.unscoped().bulk_create(
            Message(
                practice=practice_a,
                client=patient_a.client,
                kind="reminder",
                channel="sms",
                recipient="+31612345678",
                due_at=timezone.now(),
                idempotency_key=f"bulk:{i}",
                **fields,
            )
            for i in range(count)
        )

    return make


def test_each_row_gets_its_own_values_and_its_id_is_returned(rows, django_assert_num_queries):
    first, second, third = rows(3, status="sending")
    at = timezone.now() - dt.timedelta(minutes=5)
    with django_assert_num_queries(1):
        updated = bulk.update_from_values(
            Message,
            [[first.pk, "queued", "one", 1, at], [second.pk, "sent", "two", 2, None]],
            fields=["status", "body", "segments", "sent_at"],
        )
    assert updated == {first.pk, second.pk}
    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert (first.status, first.body, first.segments, first.sent_at) == ("queued", "one", 1, at)
    assert (second.status, second.body, second.segments, second.sent_at) == (
        "sent",
        "two",
        2,
        None,
    )
    assert (third.status, third.body) == ("sending", "")


def test_a_row_no_longer_matching_is_left_as_it_is(rows):
    mine, moved_on = rows(2, status="sending")
    Message.objects.unscoped().filter(pk=moved_on.pk).update(status="delivered")
    updated = bulk.update_from_values(
        Message,
        [[mine.pk, "queued", "SM1"], [moved_on.pk, "queued", "SM2"]],
        fields=["status", "provider_id"],
        only_if={"status": "sending"},
    )
    assert updated == {mine.pk}
    moved_on.refresh_from_db()
    assert (moved_on.status, moved_on.provider_id) == ("delivered", "")


def test_a_column_of_nulls_is_written_as_nulls(rows):
    sent = rows(2, sent_at=timezone.now(), status="unknown")
    bulk.update_from_values(
        Message, [[m.pk, None, "scheduled"] for m in sent], fields=["sent_at", "status"]
    )
    assert (
        list(
            Message.objects.unscoped()
            .filter(pk__in=[m.pk for m in sent])
            .values_list("sent_at", "status")
        )
        == [(None, "scheduled")] * 2
    )


def test_more_rows_than_a_statement_takes_go_in_several(rows, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 2)
    monkeypatch.setattr(bulk, "ARRAY_CHUNK", 2)
    made = rows(5)
    updated = bulk.update_from_values(
        Message, [[m.pk, f"body {m.pk}"] for m in made], fields=["body"]
    )
    assert updated == {m.pk for m in made}
    assert all(
        body == f"body {pk}" for pk, body in Message.objects.unscoped().values_list("pk", "body")
    )


# Texts a hand-built array literal could get wrong: quotes, backslashes, braces, commas,
# spaces, the word NULL, an empty text, non-ASCII letters.
AWKWARD = ['say "hi"', "C:\\path\\", "{a,b}", " padded ", "NULL", "null", "", "Ünïcødé ✓", '\\"']


def test_texts_and_numbers_keep_every_character_through_an_array(rows, patient_a):
    made = rows(len(AWKWARD) + 1)
    values = [[m.pk, text, len(text), None] for m, text in zip(made, AWKWARD, strict=False)]
    updated = bulk.update_from_values(
        Message,
        [*values, [made[-1].pk, "last", 4, patient_a.pk]],
        fields=["body", "segments", "patient"],
    )
    assert updated == {m.pk for m in made}
    stored = {pk: rest for pk, *rest in Message.objects.unscoped().values_list(
        "pk", "body", "segments", "patient_id"
    )}  # fmt: skip
    assert [stored[m.pk] for m in made] == [
        *([text, len(text), None] for text in AWKWARD),
        ["last", 4, patient_a.pk],
    ]


def test_any_of_finds_rows_by_texts_and_numbers(rows):
    made = rows(3)
    bulk.update_from_values(
        Message, [[m.pk, text] for m, text in zip(made, AWKWARD, strict=False)], fields=["body"]
    )
    messages = Message.objects.unscoped()
    by_body = messages.filter(bulk.AnyOf(F("body"), AWKWARD[:2]))
    assert set(by_body.values_list("pk", flat=True)) == {made[0].pk, made[1].pk}
    by_pk = messages.filter(bulk.AnyOf(F("pk"), [made[2].pk, 0]))
    assert list(by_pk.values_list("body", flat=True)) == [AWKWARD[2]]
