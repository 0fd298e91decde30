"""The API's message list reads one page through an index, not every message of the
practice: PostgreSQL's plan for /api/v1/messages/ with a few thousand rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from messaging.models import Message

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]


def _messages(practice, n, now):
    Message.objects.unscoped().bulk_create(
        [
            Message(
                practice=practice,
                kind="marketing",
                channel="sms",
                recipient="+31612345678",
                status="sent",
                due_at=now - dt.timedelta(minutes=37 * i),
                idempotency_key=f"plan:{i}",
            )
            for i in range(n)
        ],
        batch_size=2000,
    )


def _plan_of_the_page_query(api, path):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 50
    [page] = [
        q["sql"] for q in queries if "ORDER BY" in q["sql"] and "messaging_message" in q["sql"]
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {page}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    "query", ["", "?due_from={from_}&due_to={to}", "?page=10"], ids=["all", "due", "page10"]
)
def test_the_message_list_reads_a_page_by_the_practice_due_index_without_sorting(
    api, practice_a, practice_b, on_postgres, query
):
    # given: a few thousand messages in the practice, more in another
    now = timezone.now()
    _messages(practice_a, 3000, now)
    _messages(practice_b, 6000, now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE messaging_message")
    # when
    window = {"from_": (now - dt.timedelta(days=30)).isoformat(), "to": now.isoformat()}
    plan = _plan_of_the_page_query(
        api, "/api/v1/messages/" + query.format(**window).replace("+", "%2B")
    )
    # then: the newest-due page comes straight off the index, read backwards
    assert "Index Scan Backward using message_practice_due_idx" in plan, plan
    assert "Sort" not in plan, plan
