from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .lockout import StaffLoginForm
from .middleware import SESSION_KEY
from .parsing import InvalidInput, parse_id, query_param, safe_next
from .selectors import location_list
from .views_helpers import staff_view


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True


@require_POST
@staff_view()
def practice_switch(request):
    """Make another of the user's practices the current one."""
    wanted = query_param(request.POST, "practice", parse_id)
    for membership in request.memberships:
        if membership.practice_id == wanted:
            request.session[SESSION_KEY] = membership.practice_id
            messages.success(
                request, _("Now working in %(name)s.") % {"name": membership.practice.name}
            )
            break
    else:
        messages.error(request, _("You are not a member of that practice."))
    return redirect(safe_next(request, request.POST.get("next")) or reverse("calendar"))


def home(request):
    return redirect("calendar")


def public_practice(request, practice_slug: str):
    """The practice's public page: contact details and the way into online booking."""
    practice = request.public_practice
    return render(
        request,
        "practice/public.html",
        {
            "public": practice,
            "locations": location_list(practice),
        },
    )


def bad_request(request, exception):
    """Django's handler400: a request we cannot read, with the reason when we know it; under
    /api/ in DRF's shape ({field: [reason]}), so an API client never gets an HTML page."""
    known = isinstance(exception, InvalidInput)
    message = (
        exception.message if known else _("Something in the address or the form could not be read.")
    )
    if request.path.startswith("/api/"):
        return JsonResponse({exception.field if known else "detail": [message]}, status=400)
    return render(request, "400.html", {"message": message}, status=400)
