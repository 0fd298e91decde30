"""Communications made directly (the ingestion API is built elsewhere), then derived."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from crm.derive import communications_changed
from crm.models import Channel, ChannelGroup, ChannelRule, Communication, Source
from practice import localtime

from ..factories import PracticeFactory, UnscopedFactory


class CommunicationFactory(UnscopedFactory):
    class Meta:
        model = Communication

    practice = factory.SubFactory(PracticeFactory)
    kind = Communication.Kind.CALL
    direction = Communication.Direction.INCOMING
    status = Communication.Status.ANSWERED
    source = Source.API
    started_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0))
    local_date = factory.LazyAttribute(lambda o: localtime.local_date(o.started_at, o.practice.tz))
    phone_raw = "+31612345678"
    phone_e164 = "+31612345678"


def comm(practice, derive: bool = True, **fields) -> Communication:
    """A communication of `practice`, derived (as ingestion leaves it) unless told not to."""
    made = CommunicationFactory(practice=practice, **fields)
    if derive:
        communications_changed(practice, [made.pk])
        made.refresh_from_db()
    return made


def channel(practice, name: str, group: str = "Context ads") -> Channel:
    grp, _ = ChannelGroup.objects.unscoped().get_or_create(practice=practice, name=group)
    return Channel.objects.unscoped().create(practice=practice, group=grp, name=name)


def rule(practice, chan: Channel, kind: str, priority: int = 100, **fields) -> ChannelRule:
    return ChannelRule.objects.unscoped().create(
        practice=practice, channel=chan, kind=kind, priority=priority, **fields
    )


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)
