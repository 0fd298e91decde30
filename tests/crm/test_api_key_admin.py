"""Integration keys in Django admin: made (shown once), rotated, revoked; per practice."""

import pytest

from crm.api_keys import api_key_check, api_key_create
from crm.models import ApiKey

URL = "/admin/crm/apikey/"


@pytest.fixture
def director_admin(client, director):
    director.user.is_staff = True
    director.user.save()
    client.force_login(director.user)
    return client


def _shown_key(response) -> str:
    text = " ".join(str(m) for m in response.context["messages"])
    return next(word for word in text.split() if "." in word and len(word) > 30).rstrip(".")


def test_a_director_makes_a_key_and_sees_it_once(director_admin, practice_a):
    answer = director_admin.post(URL + "add/", {"name": "Telephony"}, follow=True)
    assert answer.status_code == 200
    plain = _shown_key(answer)
    key = ApiKey.objects.unscoped().get()
    assert key.practice == practice_a
    assert api_key_check(plain) == key
    assert plain.split(".", 1)[1] not in key.hashed
    # the change page and the list never show it again
    assert plain not in director_admin.get(f"{URL}{key.pk}/change/").content.decode()
    assert plain not in director_admin.get(URL).content.decode()


def test_rotate_and_revoke_from_the_list(director_admin, practice_a, director):
    issued = api_key_create(practice_a, actor=director.user, name="Site")
    answer = director_admin.post(
        URL, {"action": "rotate_keys", "_selected_action": [issued.key.pk]}, follow=True
    )
    new_plain = _shown_key(answer)
    assert api_key_check(issued.plain) is None
    new_key = api_key_check(new_plain)
    assert new_key is not None
    assert new_key.name == "Site"
    director_admin.post(URL, {"action": "revoke_keys", "_selected_action": [new_key.pk]})
    assert api_key_check(new_plain) is None


def test_another_practices_keys_are_not_listed_nor_found(director_admin, practice_b, outsider):
    theirs = api_key_create(practice_b, actor=outsider.user, name="Puhelin").key
    assert "Puhelin" not in director_admin.get(URL).content.decode()
    assert director_admin.get(f"{URL}{theirs.pk}/change/").status_code in (302, 404)
    director_admin.post(URL, {"action": "revoke_keys", "_selected_action": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
