"""The one DRF base that owns tenant scoping. Subclasses set `model`/`queryset_for`."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import viewsets

from ..middleware import staff_membership
from ..parsing import IdConverter
from ..scoping import for_practice
from ..tenancy import _current_practice_id


class PracticeScopedViewSetMixin:
    """Scopes every list and lookup to request.practice.

    Subclasses declare `model` and may refine `scope_queryset(qs)`; they do not override
    get_queryset/get_object. Another practice's id is then simply not found: 404.
    """

    model = None
    # An id in the path is what practice.parsing reads as one; anything else matches no URL.
    lookup_value_regex = IdConverter.regex

    def initial(self, request, *args, **kwargs):
        self.perform_authentication(request)
        django_request = request._request
        # Basic auth happens inside DRF, after the middleware ran: resolve the practice now.
        if getattr(django_request, "practice", None) is None and request.user.is_authenticated:
            membership = staff_membership(django_request)
            django_request.membership = membership
            django_request.practice = membership.practice if membership else None
            if membership:
                django_request._practice_tokens.append(
                    _current_practice_id.set(membership.practice_id)
                )
        # The staff API speaks UTC whatever the server's zone or the way one logged in
        # (a session activates the practice's zone, Basic auth does not); local days in
        # filters and reports are read in the practice's or location's zone explicitly.
        timezone.activate(dt.UTC)
        super().initial(request, *args, **kwargs)

    @property
    def practice(self):
        return self.request._request.practice

    @property
    def membership(self):
        return self.request._request.membership

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request practice
            return self.model.objects.none()
        return self.scope_queryset(for_practice(self.model, self.practice))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["practice"] = getattr(self.request._request, "practice", None)
        return context


class PracticeScopedViewSet(PracticeScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class PracticeScopedReadOnlyViewSet(PracticeScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
