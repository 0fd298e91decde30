"""Resolve the current practice once per request and hold it for the request's duration."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .languages import staff_language
from .models import Membership, Practice
from .parsing import InvalidInput
from .tenancy import ALL_PRACTICES, _current_practice_id

SESSION_KEY = "practice_id"
HEADER = "HTTP_X_PRACTICE"


def staff_membership(request: HttpRequest) -> Membership | None:
    """The user's membership in the practice they chose (header, session), else their first."""
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = list(
        Membership.objects.unscoped()
        .filter(user=user, is_active=True)
        .select_related("practice", "user", "user__staff_profile")
        .order_by("practice__name")
    )
    request.memberships = memberships
    if not memberships:
        return None
    wanted_slug = request.META.get(HEADER)
    wanted_id = request.session.get(SESSION_KEY)
    for membership in memberships:
        if wanted_slug and membership.practice.slug == wanted_slug:
            return membership
        if not wanted_slug and membership.practice_id == wanted_id:
            return membership
    return None if wanted_slug else memberships[0]


class CurrentPracticeMiddleware:
    """Sets request.practice / request.membership and the practice context variable.

    Staff requests take the practice from the membership; public pages take it from the
    `practice_slug` URL argument (an unknown slug answers 404).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.memberships = []
        request.membership = staff_membership(request)
        request.practice = request.membership.practice if request.membership else None
        scope = request.practice.pk if request.practice else None
        if (
            request.user.is_authenticated
            and request.user.is_superuser
            and (request.path.startswith("/admin/"))
        ):
            # Django admin's own machinery (inlines, raw-id widgets) reads through the default
            # manager; a superuser there works across practices.
            scope = ALL_PRACTICES
        request._practice_tokens = [_current_practice_id.set(scope)]
        if request.practice:
            # Dates and times show in the practice's zone unless a page names a location's.
            timezone.activate(request.practice.tz)
            _activate_staff_language(request)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
            for token in reversed(request._practice_tokens):
                _current_practice_id.reset(token)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        slug = view_kwargs.get("practice_slug")
        if slug is None:
            return None
        practice = Practice.objects.filter(slug=slug).first()
        if practice is None:
            raise Http404("Unknown practice.")
        request.public_practice = practice
        timezone.activate(practice.tz)
        request._practice_tokens.append(_current_practice_id.set(practice.pk))
        return None


def _activate_staff_language(request: HttpRequest) -> None:
    """Staff pages speak the member's language, whatever the browser or a cookie asks for
    (LocaleMiddleware ran before the user was known)."""
    language = staff_language(request.membership)
    translation.activate(language)
    request.LANGUAGE_CODE = language


def _nul_in(params: QueryDict) -> str | None:
    """The name of a parameter whose name or a value holds a NUL byte, if any."""
    for name, values in params.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "")
    return None


class RejectNulMiddleware:
    """A NUL byte in a query string or a form answers 400 before any view reads it.

    PostgreSQL can neither store nor compare a string with a NUL, so any lookup with one
    fails: an admin list filter, a webhook parameter, any text field. Django's forms and
    DRF's fields refuse NUL in what they clean; this covers everything read raw.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The query string parsed apart: request.GET stays unread until a view reads it.
        name = _nul_in(QueryDict(request.META.get("QUERY_STRING", "")))
        if name is None and request.method == "POST":
            name = _nul_in(request.POST)
        if name is not None:
            raise InvalidInput(name, _("The request holds a character we cannot accept."))
        return self.get_response(request)
