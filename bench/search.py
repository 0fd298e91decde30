"""Patient search over N patients (default 100,000): by name, phone and email fragments."""

from __future__ import annotations

import random

from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.models import Patient
from patients.selectors import patient_search
from practice import demo
from practice.scoping import for_practice

from .common import dataset, p50, p95, practice_for, timed_ms

DEFAULT_SCALE = 100_000


def build(scale: int) -> bool:
    return dataset(
        "search",
        scale,
        lambda spec: demo.build_practice(spec, clients=scale, appointments=1, seed=11),
    )


def _queries(practice, count: int) -> list[str]:
    rng = random.Random(5)
    ids = list(for_practice(Patient, practice).values_list("id", flat=True)[:5000])
    sample = for_practice(Patient, practice).filter(id__in=rng.sample(ids, min(count, len(ids))))
    queries = []
    for patient in sample.select_related("client"):
        client = patient.client
        queries.append(client.last_name.split()[-1][:5])
        queries.append(f"{client.first_name} {client.last_name.split()[-1][:3]}")
        if client.mobile:
            queries.append("0" + client.mobile[3:10])
        if client.email:
            queries.append(client.email[:8])
    return queries


def run(scale: int) -> dict[str, object]:
    practice = practice_for("search")
    queries = _queries(practice, 50)
    for query in queries[:10]:  # warm up caches
        list(patient_search(practice, query))
    times = []
    results = 0
    for query in queries:
        times += timed_ms(lambda q=query: list(patient_search(practice, q)), repeat=1)
        results += len(patient_search(practice, query))
    with CaptureQueriesContext(connection) as ctx:
        list(patient_search(practice, queries[0]))
    figures: dict[str, object] = {
        "patients": for_practice(Patient, practice).count(),
        "searches": len(queries),
        "search_ms_p50": p50(times),
        "search_ms_p95": p95(times),
        "search_ms_max": f"{max(times):.2f}",
        "results_per_search": f"{results / len(queries):.1f}",
        "queries_per_search": len(ctx),
    }
    if connection.vendor == "postgresql":
        # The planner picks the trigram index for selective terms and a scan for common ones.
        using = sum("patient_search_trgm" in patient_search(practice, q).explain() for q in queries)
        figures["searches_using_trigram_index"] = f"{using}/{len(queries)}"
    return figures
