"""A superuser without a practice, and the site-wide internals only superusers see."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from practice.models import Role

from .. import factories as f

SUPERUSER_WORD = "superuser who is not a member of any practice"
INTERNALS = [
    "django_celery_beat.periodictask",
    "django_celery_beat.crontabschedule",
    "django_celery_beat.solarschedule",
    "django_celery_beat.intervalschedule",
    "django_celery_beat.clockedschedule",
    "axes.accessattempt",
    "auth.user",
    "auth.group",
]


def _changelist(label: str) -> str:
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_changelist")


@pytest.fixture
def admin_user(db):
    # As the README's demo superuser: made by createsuperuser, member of no practice.
    return get_user_model().objects.create_superuser("admin", "admin@example.com", "demo1234")


def test_superuser_without_a_practice_logs_in_to_admin_with_a_clear_word(client, admin_user):
    response = client.post("/login/", {"username": "admin", "password": "demo1234"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert SUPERUSER_WORD in response.content.decode()


def test_superuser_opening_a_staff_page_is_sent_to_admin_not_refused(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("calendar"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert SUPERUSER_WORD in " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_member_without_a_practice_who_is_not_a_superuser_is_still_refused(client, db):
    user = f.UserFactory(username="lost")
    client.force_login(user)
    response = client.get(reverse("calendar"))
    assert response.status_code == 403
    assert "not a member of any practice" in response.content.decode()


def test_superuser_with_a_membership_works_in_their_practice(client, practice_a, location_a):
    member = f.MembershipFactory(
        practice=practice_a,
        role=Role.DIRECTOR,
        user=f.UserFactory(username="boss", is_staff=True, is_superuser=True),
    )
    client.force_login(member.user)
    assert client.get(reverse("calendar")).status_code == 200


def _manager_with_every_permission(client, membership):
    """A practice manager who was (wrongly) given every Django permission."""
    user = membership.user
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.all())
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["director", "receptionist"])
def test_site_internals_are_hidden_from_practice_managers_even_with_permissions(
    client, request, role
):
    manager = _manager_with_every_permission(client, request.getfixturevalue(role))
    index = manager.get(reverse("admin:index"))
    shown = {model["admin_url"] for app in index.context["app_list"] for model in app["models"]}
    assert not any("django_celery_beat" in url or "/axes/" in url for url in shown)
    assert not any("/auth/" in url for url in shown)
    for label in INTERNALS:
        assert manager.get(_changelist(label)).status_code == 403, label


def test_superuser_sees_the_site_internals(client, admin_user):
    client.force_login(admin_user)
    index = client.get(reverse("admin:index"))
    apps = {app["app_label"] for app in index.context["app_list"]}
    assert {"django_celery_beat", "axes", "auth"} <= apps
    for label in INTERNALS:
        assert client.get(_changelist(label)).status_code == 200, label
