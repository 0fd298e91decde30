"""How workflows read on the pages: their state, and moments on a local wall clock."""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from practice import localtime

from .models import Workflow

DRAFT, PAUSED, ACTIVE = "draft", "paused", "active"
STATE_LABELS = {
    DRAFT: gettext_lazy("Draft"),
    PAUSED: gettext_lazy("Paused"),
    ACTIVE: gettext_lazy("Active"),
}


def workflow_state(workflow: Workflow) -> str:
    """'active'; 'draft' while no version of it has ever gone live (its first version is
    still being edited); else 'paused'. Needs `current_version` (select_related)."""
    if workflow.is_active:
        return ACTIVE
    version = workflow.current_version
    if version is None or (version.number == 1 and not version.is_frozen):
        return DRAFT
    return PAUSED


def moment_label(moment: dt.datetime | None, tz: dt.tzinfo, *, with_year: bool = True) -> str:
    """'Tue 12 Mar 2030 09:00' on `tz`'s wall clock (the repeated hour says which), '' for
    None."""
    if moment is None:
        return ""
    local = localtime.to_local(moment, tz)
    day = formats.date_format(local, "D j M Y" if with_year else "D j M")
    return _("%(day)s %(time)s") % {"day": day, "time": localtime.time_label(moment, tz)}


def pause_label(days: int, hours: int, minutes: int) -> str:
    """'7 days', '1 day 2 hours', '30 minutes'."""
    parts = []
    if days:
        parts.append(ngettext("%(n)s day", "%(n)s days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours})
    if minutes:
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes})
    return " ".join(parts) or _("no time")
