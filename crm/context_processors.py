"""The top bar's task count, for every page that extends base.html."""

from __future__ import annotations

import functools

from django.http import HttpRequest

from .selectors import open_task_count


def tasks(request: HttpRequest) -> dict:
    """`open_task_count`: the logged-in member's tasks to do today. A callable the template
    calls once (cached), so partial pages that never show the top bar cost no query."""
    practice = getattr(request, "practice", None)
    membership = getattr(request, "membership", None)
    if practice is None or membership is None:
        return {"open_task_count": 0}
    return {"open_task_count": functools.cache(lambda: open_task_count(practice, membership))}
