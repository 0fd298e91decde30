"""The current practice: one context variable, set in one place per request and per task.

Two layers keep tenants apart (see shared/DESIGN.md): services and selectors take the
practice explicitly, and the default manager of every practice-owned model filters by
the current practice and refuses to run when none is set. `practice_scope` is the single
hook that sets it, so a database-level wall (row-level security via
`SET app.practice_id`) can later hang on the same place.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .models import Practice

# Holds a practice id; ALL_PRACTICES only for a superuser in Django admin (see middleware).
ALL_PRACTICES = -1
_current_practice_id: ContextVar[int | None] = ContextVar("current_practice_id", default=None)

F = TypeVar("F", bound=Callable[..., Any])


class PracticeNotSet(RuntimeError):
    """A practice-owned table was queried with no current practice: fail closed."""


def current_practice_id() -> int:
    practice_id = _current_practice_id.get()
    if practice_id is None:
        raise PracticeNotSet(
            "No current practice is set. Use practice_scope(), or .unscoped() deliberately."
        )
    return practice_id


def current_practice_id_or_none() -> int | None:
    return _current_practice_id.get()


@contextmanager
def practice_scope(practice: Practice | int | None) -> Iterator[None]:
    """Make `practice` the current one for the enclosed block, and reset it afterwards."""
    practice_id = practice if isinstance(practice, int) or practice is None else practice.pk
    token = _current_practice_id.set(practice_id)
    try:
        yield
    finally:
        _current_practice_id.reset(token)


def practice_task(func: F) -> F:
    """Decorate a Celery task whose first argument is `practice_id`: runs it in that scope."""

    @functools.wraps(func)
    def wrapper(practice_id: int, *args: Any, **kwargs: Any) -> Any:
        with practice_scope(practice_id):
            return func(practice_id, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
