"""The CRM's models: staff tasks (`tasks`), and the contact history (`history`): raw
provider events, the communications derived from them, staff comments, contacts (one per
person per practice-local day) with their results, and ad channels with their rules."""

from .history import (
    ApiKey,
    Channel,
    ChannelGroup,
    ChannelRule,
    Comment,
    Communication,
    Contact,
    ContactRecord,
    ContactSettings,
    ProviderEvent,
    Source,
)
from .tasks import Task

__all__ = [
    "ApiKey",
    "Channel",
    "ChannelGroup",
    "ChannelRule",
    "Comment",
    "Communication",
    "Contact",
    "ContactRecord",
    "ContactSettings",
    "ProviderEvent",
    "Source",
    "Task",
]
