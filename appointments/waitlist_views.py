"""The client's page behind a waitlist offer's link (/w/<code>/): no login, the random code
is the key. GET shows the offered time; POST claims it and comes back to show the result."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods

from practice.languages import client_language
from practice.tenancy import practice_scope

from .waitlist import waitlist_claim, waitlist_offer_from_code, waitlist_offer_is_open


@require_http_methods(["GET", "POST"])
def waitlist_offer_page(request, code: str):
    offer = waitlist_offer_from_code(code)
    if offer is None:
        raise Http404
    practice = offer.practice
    with (
        practice_scope(practice),
        # Theirs when they chose one, else the practice's.
        translation.override(client_language(offer.entry.client, practice)),
        timezone.override(offer.location.tz),  # templates show times in the current zone
    ):
        if request.method == "POST":
            waitlist_claim(practice, offer)
            return redirect(request.path)  # a reload shows the result, never claims again
        return render(
            request,
            "appointments/waitlist_offer.html",
            {
                "offer": offer,
                "public": practice,
                "local_start": offer.local_start,
                "is_open": waitlist_offer_is_open(offer, timezone.now()),
                "patient": offer.entry.patient,
            },
        )
