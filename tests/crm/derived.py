"""Communications made directly (as ingestion would store them), then derived: for the
tests of who, what for, channels, contacts and recovery."""

from __future__ import annotations

import datetime as dt

from crm.derive import communications_changed
from crm.models import Channel, ChannelGroup, ChannelRule, Communication

from .history_factories import CommunicationFactory

PHONE = "+31612345678"  # the factories' client mobile


def comm(practice, derive: bool = True, **fields) -> Communication:
    """A communication of `practice` (a call from PHONE unless told otherwise, no waiting
    time or duration), derived as ingestion leaves it unless told not to."""
    fields.setdefault("phone_raw", PHONE)
    fields.setdefault("phone_e164", PHONE)
    fields.setdefault("wait_seconds", None)
    fields.setdefault("duration_seconds", None)
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
