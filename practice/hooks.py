"""Functions apps higher up register at start-up, so apps below can ask without importing
them (DESIGN.md: apps depend downward)."""

from __future__ import annotations

from collections.abc import Callable

from .models import Practice

_sms_available: Callable[[Practice], bool] = lambda practice: False  # noqa: E731


def register_sms_available(func: Callable[[Practice], bool]) -> None:
    global _sms_available
    _sms_available = func


def sms_available(practice: Practice) -> bool:
    """Whether the practice can send SMS (messaging registers the real check)."""
    return _sms_available(practice)


_demo_extras: list[Callable[[Practice], None]] = []


def register_demo_extra(func: Callable[[Practice], None]) -> None:
    """Apps above add their demo data for each demo practice seed_demo builds."""
    if func not in _demo_extras:
        _demo_extras.append(func)


def run_demo_extras(practice: Practice) -> None:
    for func in _demo_extras:
        func(practice)


_scheduler_ticks: list[Callable[[], object]] = []


def register_scheduler_tick(func: Callable[[], object]) -> None:
    """Periodic work of an app above that `manage.py run_scheduler` (the embedded mode,
    without Celery beat) runs on every tick, besides sending messages."""
    if func not in _scheduler_ticks:
        _scheduler_ticks.append(func)


def run_scheduler_ticks() -> None:
    for func in _scheduler_ticks:
        func()
