"""Reads for clients and patients."""

from __future__ import annotations

import re

from django.db.models import QuerySet

from practice.models import Practice
from practice.scoping import for_practice

from .models import Client, Patient

_PHONEISH = re.compile(r"^[\d\s+()./-]+$")


def patient_search(practice: Practice, query: str, *, limit: int = 25) -> QuerySet[Patient]:
    """Patients whose name, client name, phone or email contains every word of `query`.

    One trigram-indexed column (Patient.search_text) serves every kind of term.
    """
    queryset = for_practice(Patient, practice).filter(is_active=True).select_related("client")
    terms = search_terms(query)
    if not terms:
        return queryset.none()
    for term in terms:
        queryset = queryset.filter(search_text__contains=term)
    return queryset.order_by("name", "id")[:limit]


def search_terms(query: str) -> list[str]:
    """What to look for in search_text: the digits of a phone number, else each word."""
    query = (query or "").strip().lower()
    if _PHONEISH.match(query) and sum(ch.isdigit() for ch in query) >= 3:
        return ["".join(ch for ch in query if ch.isdigit())]
    return query.split()


def client_list(practice: Practice) -> QuerySet[Client]:
    return for_practice(Client, practice)


def patient_list(practice: Practice) -> QuerySet[Patient]:
    return for_practice(Patient, practice).select_related("client")


def client_patients(practice: Practice, client_id: int) -> QuerySet[Patient]:
    return for_practice(Patient, practice).filter(client_id=client_id).order_by("name", "id")
