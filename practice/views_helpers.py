"""What every staff view starts with: a logged-in member of the current practice."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .rights import Right, has_right


def staff_view(right: Right | None = None) -> Callable:
    """Require login, a membership in the current practice and, optionally, a right."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.membership is None:
                if request.user.is_superuser:
                    return superuser_to_admin(request)
                raise PermissionDenied(_("You are not a member of any practice."))
            if right is not None and not has_right(request.membership, right):
                raise PermissionDenied(_("Your role does not allow this."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def superuser_to_admin(request: HttpRequest) -> HttpResponse:
    """A superuser with no membership has no practice to show: their place is Django admin."""
    messages.info(
        request,
        _(
            "You are signed in as a superuser who is not a member of any practice, so the "
            "practice pages have nothing to show. You manage every practice here in the "
            "admin; to work in a practice's pages, give yourself a staff membership in it."
        ),
    )
    return htmx_redirect(request, reverse("admin:index"))


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def htmx_redirect(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect: a full-page one for htmx requests (HX-Redirect), a 302 otherwise."""
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def apply_validation_error(form, error) -> None:
    """Put a service's ValidationError on the form: per field where it names one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
