"""What every staff view starts with: a logged-in member of the current practice."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
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
                raise PermissionDenied(_("You are not a member of any practice."))
            if right is not None and not has_right(request.membership, right):
                raise PermissionDenied(_("Your role does not allow this."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def htmx_redirect(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect: a full-page one for htmx requests (HX-Redirect), a 302 otherwise."""
    from django.shortcuts import redirect

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
