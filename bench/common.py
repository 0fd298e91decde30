"""Helpers shared by benchmarks: datasets keyed by scale, timing, percentiles."""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable

from practice import demo
from practice.models import Practice


def bench_spec(name: str, base: demo.PracticeSpec = demo.DENTAL) -> demo.PracticeSpec:
    slug = f"bench-{name}"
    return dataclasses.replace(
        base,
        slug=slug,
        name=f"Bench {name}",
        staff=[(f"{slug}-{u}", fn, ln, role) for u, fn, ln, role in base.staff],
    )


def dataset(name: str, scale: int, build: Callable[[demo.PracticeSpec], None]) -> bool:
    """Build the dataset unless one of this scale exists. True when it built."""
    spec = bench_spec(name)
    marker = f"Bench {name} @ {scale}"
    existing = Practice.objects.filter(slug=spec.slug).first()
    if existing and existing.name == marker:
        return False
    if existing:
        demo.delete_practice(existing)
    build(spec)
    Practice.objects.filter(slug=spec.slug).update(name=marker)
    return True


def practice_for(name: str) -> Practice:
    return Practice.objects.get(slug=f"bench-{name}")


def timed_ms(func: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p50(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}"


def p95(values: list[float]) -> str:
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]:.2f}"
