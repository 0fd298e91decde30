"""Brute-force protection (django-axes) on the staff login, the admin login and Basic auth.

These tests use the real limit and cool-off from settings (nothing is lowered for tests);
django-axes keeps its counts in the database, so each test starts from none.
"""

import base64
import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db.models import F
from django.urls import reverse
from rest_framework.test import APIClient

from practice.models import AuditLog

LIMIT = settings.AXES_FAILURE_LIMIT
MINUTES = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
LOCKED_TEXT = f"this account is locked for {MINUTES} minutes"
ELSEWHERE = "198.51.100.7"


def _login(client, username, password, url="/login/", **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def _fail(client, username, times, url="/login/", **extra):
    return [_login(client, username, "wrong-password", url, **extra) for _ in range(times)]


def _basic(username, password):
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def test_settings_lock_per_username_and_address_after_five_failures_for_fifteen_minutes():
    assert LIMIT == 5
    assert MINUTES == 15
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True


def test_staff_login_locks_the_account_after_the_limit_with_a_clear_message(client, receptionist):
    # given: one failure short of the limit, the page still says 'wrong password'
    before = _fail(client, "rita", LIMIT - 1)
    assert all(r.status_code == 200 for r in before)
    assert LOCKED_TEXT not in before[-1].content.decode()
    # when: the limit is reached
    locked = _login(client, "rita", "wrong-password")
    # then: the login page says the account is locked and for how long
    assert locked.status_code == 429
    assert LOCKED_TEXT in locked.content.decode()
    assert 'name="username"' in locked.content.decode()  # still the login page


def test_right_password_is_refused_while_locked(client, receptionist):
    _fail(client, "rita", LIMIT)
    response = _login(client, "rita", "pw")
    assert response.status_code == 429
    assert LOCKED_TEXT in response.content.decode()
    assert SESSION_KEY not in client.session


def test_lock_is_per_address_so_the_user_still_logs_in_from_elsewhere(client, receptionist):
    _fail(client, "rita", LIMIT)
    response = _login(client, "rita", "pw", REMOTE_ADDR=ELSEWHERE)
    assert response.status_code == 302
    assert response["Location"] == reverse("calendar")


def test_lock_of_one_user_does_not_lock_another_from_the_same_address(
    client, receptionist, director
):
    _fail(client, "rita", LIMIT)
    assert _login(client, "dora", "pw").status_code == 302


def test_successful_login_resets_the_count(client, receptionist):
    _fail(client, "rita", LIMIT - 1)
    assert _login(client, "rita", "pw").status_code == 302
    client.logout()
    _fail(client, "rita", LIMIT - 1)
    assert _login(client, "rita", "pw").status_code == 302


def test_lock_ends_after_the_cool_off(client, receptionist):
    _fail(client, "rita", LIMIT)
    # the failures happened one cool-off (and a minute) ago
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1)
    )
    assert _login(client, "rita", "pw").status_code == 302


def test_admin_login_locks_with_the_same_clear_message(client, director):
    director.user.is_staff = True
    director.user.save()
    url = reverse("admin:login")
    _fail(client, "dora", LIMIT - 1, url)
    locked = _login(client, "dora", "wrong-password", url)
    assert locked.status_code == 429
    assert LOCKED_TEXT in locked.content.decode()
    assert 'id="login-form"' in locked.content.decode()  # the admin's own login page
    refused = _login(client, "dora", "pw", url)
    assert refused.status_code == 429
    assert SESSION_KEY not in client.session


def test_api_basic_auth_answers_429_with_the_reason_once_locked(receptionist, patient_a):
    api = APIClient()
    wrong = [api.get("/api/v1/patients/", **_basic("rita", "nope")) for _ in range(LIMIT - 1)]
    assert {r.status_code for r in wrong} <= {401, 403}
    locked = api.get("/api/v1/patients/", **_basic("rita", "nope"))
    assert locked.status_code == 429
    assert LOCKED_TEXT in locked.json()["detail"]
    assert locked["Retry-After"] == str(MINUTES * 60)
    refused = api.get("/api/v1/patients/", **_basic("rita", "pw"))
    assert refused.status_code == 429
    assert LOCKED_TEXT in refused.json()["detail"]


def test_api_lock_is_per_address_too(receptionist, patient_a):
    api = APIClient()
    for _ in range(LIMIT):
        api.get("/api/v1/patients/", **_basic("rita", "nope"))
    elsewhere = api.get("/api/v1/patients/", REMOTE_ADDR=ELSEWHERE, **_basic("rita", "pw"))
    assert elsewhere.status_code == 200


def test_failures_on_the_login_page_and_the_api_count_together(client, receptionist, patient_a):
    _fail(client, "rita", LIMIT - 1)
    response = APIClient().get("/api/v1/patients/", **_basic("rita", "nope"))
    assert response.status_code == 429
    assert _login(client, "rita", "pw").status_code == 429


@pytest.fixture
def dora_admin(client, director):
    director.user.is_staff = True
    director.user.save()
    client.force_login(director.user)
    return client


def test_director_unlocks_a_locked_colleague_at_once(dora_admin, receptionist, practice_a):
    # given: Rita locked herself out
    locked_out = APIClient()
    for _ in range(LIMIT):
        locked_out.get("/api/v1/practitioners/", **_basic("rita", "nope"))
    # when: the director unlocks her from the staff list
    response = dora_admin.post(
        reverse("admin:practice_membership_changelist"),
        {"action": "unlock_login", "_selected_action": [receptionist.pk]},
        follow=True,
    )
    # then
    assert "1 staff member can log in again." in response.content.decode()
    assert locked_out.get("/api/v1/practitioners/", **_basic("rita", "pw")).status_code == 200
    assert (
        AuditLog.objects.unscoped()
        .filter(practice=practice_a, action="membership.login_unlock", object_id=receptionist.pk)
        .exists()
    )


def test_director_cannot_unlock_another_practices_staff(dora_admin, outsider):
    for _ in range(LIMIT):
        APIClient().get("/api/v1/practitioners/", **_basic("otto", "nope"))
    dora_admin.post(
        reverse("admin:practice_membership_changelist"),
        {"action": "unlock_login", "_selected_action": [outsider.pk]},
    )
    assert AccessAttempt.objects.filter(username="otto").exists()
