"""Reasons (why a call is missed, who it was matched to, what it was for) are stored as a
code with its parameters and shown in the reader's language; a reason stored as text
before (in the practice's language) is shown as it is."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_noop

from crm.models import Communication
from crm.reasons import reason, reason_text
from practice.models import StaffProfile

from .derived import comm

pytestmark = pytest.mark.django_db


def _page(client, communication, language: str) -> str:
    # The reader chose this language (a staff member's choice wins over a cookie).
    user_id = client.session["_auth_user_id"]
    StaffProfile.objects.update_or_create(user_id=user_id, defaults={"language": language})
    return client.get(f"/contacts/{communication.pk}/").content.decode()


def test_a_reason_is_shown_in_each_readers_language(rita_client, practice_a):
    # given: a missed call, its reason stored as a code
    call = comm(
        practice_a,
        status=Communication.Status.MISSED,
        status_reason=reason(gettext_noop("Ended without being answered.")),
    )
    # when / then: a Dutch and an English reader each read it in their language
    with translation.override("nl"):
        dutch = translation.gettext("Ended without being answered.")
    assert dutch != "Ended without being answered."
    assert dutch in _page(rita_client, call, "nl")
    assert "Ended without being answered." in _page(rita_client, call, "en")


def test_a_reason_written_before_codes_is_shown_as_stored(rita_client, practice_a):
    call = comm(
        practice_a,
        status=Communication.Status.MISSED,
        status_reason="Beëindigd zonder te zijn beantwoord.",
    )
    assert "Beëindigd zonder te zijn beantwoord." in _page(rita_client, call, "en")


def test_a_reasons_parameters_are_translated_with_it(practice_a, patient_a):
    # 'matched by %(how)s' with how = 'number', both in the reader's language
    call = comm(practice_a)
    with translation.override("fi"):
        expected = translation.gettext("matched by %(how)s") % {
            "how": translation.gettext("number")
        }
        assert call.match_note_text == expected
    with translation.override("en"):
        assert call.match_note_text == "matched by number"


def test_the_purpose_reason_follows_the_reader(practice_a, patient_a):
    call = comm(practice_a)
    with translation.override("en"):
        assert call.purpose_reason_text == "the person reached out to the practice"
    with translation.override("ru"):
        assert call.purpose_reason_text == translation.gettext(
            "the person reached out to the practice"
        )


@pytest.mark.parametrize("stored", ["", "plain text", '{"r":', '{"r": 1}', '{"x": "y"}'])
def test_a_damaged_or_plain_reason_is_shown_as_stored_never_an_error(stored):
    assert reason_text(stored) == stored
