"""factory_boy factories for the contact history (communications, contacts, their records,
ad channels and rules). Rows are written as stored facts: tests of the report set the
derived fields (status, purpose, channel, result, recovery) themselves."""

import datetime as dt

import factory
from django.utils import timezone

from crm.models import (
    Channel,
    ChannelGroup,
    ChannelRule,
    Communication,
    Contact,
    ContactRecord,
    ContactSettings,
)
from practice import localtime

from ..factories import PracticeFactory, UnscopedFactory


class ChannelGroupFactory(UnscopedFactory):
    class Meta:
        model = ChannelGroup

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


class ChannelFactory(UnscopedFactory):
    class Meta:
        model = Channel

    practice = factory.SubFactory(PracticeFactory)
    group = factory.SubFactory(ChannelGroupFactory, practice=factory.SelfAttribute("..practice"))
    name = factory.Sequence(lambda n: f"Channel {n}")


class ChannelRuleFactory(UnscopedFactory):
    class Meta:
        model = ChannelRule

    practice = factory.SubFactory(PracticeFactory)
    channel = factory.SubFactory(ChannelFactory, practice=factory.SelfAttribute("..practice"))
    kind = ChannelRule.Kind.UTM
    priority = 100


class ContactSettingsFactory(UnscopedFactory):
    class Meta:
        model = ContactSettings

    practice = factory.SubFactory(PracticeFactory)


class ContactFactory(UnscopedFactory):
    class Meta:
        model = Contact

    practice = factory.SubFactory(PracticeFactory)
    local_date = factory.LazyAttribute(lambda o: localtime.local_today(o.practice.tz))
    person_key = factory.Sequence(lambda n: f"phone:+3161000{n:04d}")
    result = Contact.Result.DIDNT_BOOK


class CommunicationFactory(UnscopedFactory):
    """A call answered now, in the practice's local day (override `started_at` and the
    local day follows)."""

    class Meta:
        model = Communication

    practice = factory.SubFactory(PracticeFactory)
    kind = Communication.Kind.CALL
    direction = Communication.Direction.INCOMING
    status = Communication.Status.ANSWERED
    source = "api"
    started_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0))
    local_date = factory.LazyAttribute(lambda o: localtime.local_date(o.started_at, o.practice.tz))
    phone_raw = "06 1000 0000"
    phone_e164 = "+31610000000"
    wait_seconds = 10
    duration_seconds = 60


class ContactRecordFactory(UnscopedFactory):
    class Meta:
        model = ContactRecord

    practice = factory.SubFactory(PracticeFactory)
    contact = factory.SubFactory(ContactFactory, practice=factory.SelfAttribute("..practice"))
    created_at = factory.LazyFunction(timezone.now)
    is_main = True


def at_local(practice, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """The UTC instant of `hour:minute` on the practice's local `day`."""
    return localtime.wall_to_utc(day, dt.time(hour, minute), practice.tz)
