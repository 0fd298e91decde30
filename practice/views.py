from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .lockout import StaffLoginForm
from .middleware import SESSION_KEY
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
    wanted = request.POST.get("practice")
    for membership in request.memberships:
        if str(membership.practice_id) == wanted:
            request.session[SESSION_KEY] = membership.practice_id
            messages.success(
                request, _("Now working in %(name)s.") % {"name": membership.practice.name}
            )
            break
    else:
        messages.error(request, _("You are not a member of that practice."))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "calendar"
    return redirect(next_url)


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
