"""The builder's date criteria are typed and shown as the user's language writes dates,
and saved as ISO days (the engine reads them whoever's language)."""

import pytest
from django.urls import reverse
from django.utils import translation

from marketing_workflows.models import Criterion
from practice.models import StaffProfile
from practice.scoping import for_practice

from .test_pages import form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in another language leaves it active in this thread; later tests on the
    same worker expect English."""
    yield
    translation.deactivate()


@pytest.mark.parametrize(
    ("language", "typed", "to"),
    [
        ("en", "10/03/2026", "31/03/2026"),
        ("it", "10/03/2026", "31/03/2026"),
        ("ru", "10.03.2026", "31.03.2026"),
        ("nl", "10-03-2026", "31-03-2026"),
        ("fi", "10.03.2026", "31.03.2026"),
    ],
)
def test_a_date_criterion_is_typed_in_the_users_format_and_saved_as_a_day(
    client, director, practice_a, language, typed, to
):
    client.force_login(director.user)
    StaffProfile.objects.update_or_create(user=director.user, defaults={"language": language})
    data = form(
        "First visit in March",
        criteria=[("patient", "first_appointment", "between", typed, to)],
        steps=[{"kind": "email", "subject": "Welcome", "body": "Hello {patient}"}],
    )
    response = client.post(reverse("workflow-create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = for_practice(Criterion, practice_a).get()
    assert (saved.value, saved.value_to) == ("2026-03-10", "2026-03-31")
    page = client.get(reverse("workflow-edit", args=[saved.version.workflow_id])).content.decode()
    assert f'value="{typed}"' in page
    assert f'value="{to}"' in page
