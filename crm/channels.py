"""Ad channels: which channel a communication came through, by rules in priority order.

Calls: UTM tags, then the caller's number, then the practice number called, then the
account or service. Chats: UTM tags, then the chat channel, then the service. Web requests
(and staff-recorded dialogs): UTM tags, then the service. Within one kind of rule, rules go
by `priority`, then id. The first rule that matches fires; the communication keeps the
channel, the rule and the evidence (what matched), and `channel_explanation` lists every
rule in order with which one fired, for the report's 'why this channel'.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from practice.models import Practice
from practice.scoping import for_practice

from .matching import normalise_number
from .models import ChannelRule, Communication
from .reasons import reason

Rule = ChannelRule.Kind
Kind = Communication.Kind

ORDER: dict[str, tuple[str, ...]] = {
    Kind.CALL: (Rule.UTM, Rule.CALLER_NUMBER, Rule.CALLED_NUMBER, Rule.SERVICE),
    Kind.CHAT: (Rule.UTM, Rule.CHAT_CHANNEL, Rule.SERVICE),
    Kind.WEB_REQUEST: (Rule.UTM, Rule.SERVICE),
    Kind.DIALOG: (Rule.UTM, Rule.SERVICE),
    Kind.REQUEST_DIALOG: (Rule.UTM, Rule.SERVICE),
}
UTM_PARTS = ("utm_source", "utm_medium", "utm_campaign")


@dataclass(frozen=True)
class Found:
    channel_id: int | None
    rule_id: int | None
    evidence: str  # stored form: a code read with `reason_text` (UTM tags as plain text)


NOTHING = Found(None, None, "")


def active_rules(practice: Practice) -> list[ChannelRule]:
    """The practice's active rules, in priority order (one query)."""
    return list(
        for_practice(ChannelRule, practice)
        .filter(is_active=True)
        .select_related("channel__group")
        .order_by("priority", "id")
    )


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _utm(rule: ChannelRule, comm: Communication) -> str:
    wanted = [(part, getattr(rule, part)) for part in UTM_PARTS if getattr(rule, part)]
    if not wanted or not all(_same(value, getattr(comm, part)) for part, value in wanted):
        return ""
    return ", ".join(f"{part}={getattr(comm, part)}" for part, _value in wanted)


def _number(rule: ChannelRule, number: str, region: str) -> bool:
    return bool(number) and normalise_number(rule.value, region) == number


def evidence(rule: ChannelRule, comm: Communication, region: str) -> str:
    """What of `comm` matched `rule` ('' when it does not match)."""
    if rule.kind == Rule.UTM:
        return _utm(rule, comm)
    if rule.kind == Rule.CALLER_NUMBER and _number(rule, comm.phone_e164, region):
        return reason(gettext_noop("caller %(number)s"), number=comm.phone_e164)
    if rule.kind == Rule.CALLED_NUMBER:
        called = normalise_number(comm.practice_number, region)
        if _number(rule, called, region):
            return reason(gettext_noop("called %(number)s"), number=called)
    if (
        rule.kind == Rule.CHAT_CHANNEL
        and comm.chat_channel
        and _same(rule.value, comm.chat_channel)
    ):
        return reason(gettext_noop("chat channel %(name)s"), name=comm.chat_channel)
    if rule.kind == Rule.SERVICE and comm.service and _same(rule.value, comm.service):
        return reason(gettext_noop("service %(name)s"), name=comm.service)
    return ""


def rules_in_order(rules: Sequence[ChannelRule], kind: str) -> list[ChannelRule]:
    """The rules that apply to a communication of `kind`, in the order they are tried."""
    order = ORDER.get(kind, ())
    return sorted(
        (rule for rule in rules if rule.kind in order),
        key=lambda rule: (order.index(rule.kind), rule.priority, rule.pk),
    )


def detect(rules: Sequence[ChannelRule], comm: Communication, region: str) -> Found:
    for rule in rules_in_order(rules, comm.kind):
        found = evidence(rule, comm, region)
        if found:
            return Found(rule.channel_id, rule.pk, found)
    return NOTHING


def detect_channels(practice: Practice, comms: Iterable[Communication]) -> dict[int, Found]:
    """The channel of each communication, by id (one query for the rules)."""
    rules = active_rules(practice)
    region = practice.default_country
    return {comm.pk: detect(rules, comm, region) for comm in comms}


@dataclass(frozen=True)
class RuleCheck:
    rule: ChannelRule
    evidence: str  # what matched, '' when the rule did not
    fired: bool


def channel_explanation(practice: Practice, comm: Communication) -> list[RuleCheck]:
    """Every rule that applies to `comm`, in the order tried, with which one fired: the
    report's 'why this channel'."""
    region = practice.default_country
    checks, fired = [], False
    for rule in rules_in_order(active_rules(practice), comm.kind):
        found = evidence(rule, comm, region)
        checks.append(RuleCheck(rule, found, bool(found) and not fired))
        fired = fired or bool(found)
    return checks
