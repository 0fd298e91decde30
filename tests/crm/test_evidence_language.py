"""A communication's channel evidence is stored as a code and read in the reader's
language on the report's 'why this channel' page."""

import pytest
from django.urls import reverse
from django.utils import translation

from crm.models import ChannelRule
from practice.models import StaffProfile

from .derived import channel, comm, rule

pytestmark = pytest.mark.django_db


def _why(client, member, communication, language):
    StaffProfile.objects.update_or_create(user=member.user, defaults={"language": language})
    client.force_login(member.user)
    url = reverse("report-contacts-channel", args=[communication.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _in(language, msgid, **params):
    with translation.override(language):
        text = translation.gettext(msgid)
    assert text != msgid
    return text % params


def test_the_channel_evidence_reads_in_each_readers_language(client, practice_a, director):
    billboard = channel(practice_a, "Billboard")
    rule(practice_a, billboard, ChannelRule.Kind.CALLER_NUMBER, value="06 1234 5678")
    with translation.override("ru"):  # the worker that derived it spoke another language
        call = comm(practice_a)
    assert "+31612345678" in call.channel_evidence_text
    number = {"number": "+31612345678"}
    assert _in("fi", "caller %(number)s", **number) in _why(client, director, call, "fi")
    assert _in("nl", "caller %(number)s", **number) in _why(client, director, call, "nl")


def test_evidence_stored_as_text_before_codes_is_shown_as_stored(client, practice_a, director):
    call = comm(practice_a)
    type(call).objects.unscoped().filter(pk=call.pk).update(channel_evidence="soittaja +3161")
    assert "soittaja +3161" in _why(client, director, call, "nl")
