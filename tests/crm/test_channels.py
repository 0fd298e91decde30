"""Ad channels: rules by priority, the one that fired stored with its evidence."""

import pytest
from django.urls import reverse

from crm.channels import channel_explanation
from crm.models import ChannelRule, Communication

from .derived import channel, comm, rule

pytestmark = pytest.mark.django_db
Rule = ChannelRule.Kind


@pytest.fixture
def chans(practice_a):
    return {
        name: channel(practice_a, name)
        for name in ("Google search", "Billboard", "Website number", "Call tracking", "Chat")
    }


@pytest.fixture
def rules(practice_a, chans):
    return {
        "utm": rule(practice_a, chans["Google search"], Rule.UTM, utm_source="google"),
        "caller": rule(practice_a, chans["Billboard"], Rule.CALLER_NUMBER, value="06 1234 5678"),
        "called": rule(
            practice_a, chans["Website number"], Rule.CALLED_NUMBER, value="+31201112233"
        ),
        "service": rule(practice_a, chans["Call tracking"], Rule.SERVICE, value="CallTrack"),
        "chat": rule(practice_a, chans["Chat"], Rule.CHAT_CHANNEL, value="WhatsApp"),
    }


def test_a_calls_utm_tags_win_over_its_numbers_and_service(practice_a, rules, chans):
    call = comm(
        practice_a,
        utm_source="Google",
        practice_number="+31201112233",
        service="CallTrack",
    )
    assert call.channel_id == chans["Google search"].pk
    assert call.channel_rule_id == rules["utm"].pk
    assert call.channel_evidence == "utm_source=Google"


def test_a_calls_caller_number_comes_before_the_number_called(practice_a, rules, chans):
    call = comm(practice_a, practice_number="+31201112233", service="CallTrack")
    assert call.channel_rule_id == rules["caller"].pk
    assert "+31612345678" in call.channel_evidence


def test_a_calls_number_called_comes_before_the_service(practice_a, rules, chans):
    call = comm(
        practice_a,
        phone_raw="+31687654321",
        phone_e164="+31687654321",
        practice_number="020 111 2233",
        service="CallTrack",
    )
    assert call.channel_rule_id == rules["called"].pk


def test_a_call_falls_back_to_the_service(practice_a, rules, chans):
    call = comm(
        practice_a, phone_raw="+31687654321", phone_e164="+31687654321", service="calltrack"
    )
    assert call.channel_rule_id == rules["service"].pk


def test_a_chats_channel_comes_before_the_service_and_numbers_are_not_tried(
    practice_a, rules, chans
):
    chat = comm(
        practice_a,
        kind=Communication.Kind.CHAT,
        status=Communication.Status.ACTIVE,
        chat_channel="whatsapp",
        service="CallTrack",
    )
    assert chat.channel_rule_id == rules["chat"].pk


def test_a_web_request_tries_only_utm_and_service(practice_a, rules, chans):
    request = comm(
        practice_a,
        kind=Communication.Kind.WEB_REQUEST,
        status=Communication.Status.OPEN,
        chat_channel="WhatsApp",
    )
    assert request.channel_id is None  # the caller-number rule is not for requests
    assert request.channel_evidence == ""


def test_within_a_kind_the_lower_priority_number_fires_first(practice_a, chans):
    late = rule(practice_a, chans["Billboard"], Rule.UTM, priority=50, utm_source="google")
    early = rule(practice_a, chans["Google search"], Rule.UTM, priority=10, utm_campaign="spring")
    call = comm(practice_a, utm_source="google", utm_campaign="spring")
    assert call.channel_rule_id == early.pk
    assert call.channel_rule_id != late.pk


def test_a_utm_rule_needs_every_part_it_names(practice_a, chans):
    rule(practice_a, chans["Google search"], Rule.UTM, utm_source="google", utm_medium="cpc")
    assert comm(practice_a, utm_source="google").channel_id is None
    assert comm(practice_a, utm_source="google", utm_medium="CPC").channel_id is not None


def test_the_explanation_lists_the_rules_in_order_and_marks_the_one_that_fired(practice_a, rules):
    call = comm(practice_a, practice_number="+31201112233")
    checks = channel_explanation(practice_a, call)
    assert [c.rule.pk for c in checks] == [
        rules["utm"].pk,
        rules["caller"].pk,
        rules["called"].pk,
        rules["service"].pk,
    ]
    assert [c.fired for c in checks] == [False, True, False, False]
    assert checks[2].evidence  # the number called matched too, but fired later
    assert not checks[0].evidence


def test_a_channel_rule_is_added_in_the_admin_for_the_managers_practice(
    client, director, practice_a, practice_b, chans
):
    client.force_login(director.user)
    director.user.is_staff = True
    director.user.save()
    response = client.post(
        reverse("admin:crm_channelrule_add"),
        {
            "channel": chans["Billboard"].pk,
            "kind": Rule.CALLED_NUMBER,
            "priority": 5,
            "value": "+31201112233",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    made = ChannelRule.objects.unscoped().get(value="+31201112233")
    assert made.practice_id == practice_a.pk
