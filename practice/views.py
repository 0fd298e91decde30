from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import StaffLanguageForm
from .languages import visitor_language
from .lockout import StaffLoginForm
from .middleware import SESSION_KEY
from .models import StaffProfile
from .parsing import InvalidInput, parse_id, query_param, safe_next
from .selectors import location_list
from .services import staff_language_set
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


@staff_view()
def my_settings(request):
    """The staff member's own settings: the language every page speaks to them, kept."""
    practice = request.practice
    profile = StaffProfile.objects.filter(user=request.user).first()
    form = StaffLanguageForm(
        request.POST or None,
        practice_language=practice.language,
        initial={"language": profile.language if profile else ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            profile = staff_language_set(request.user, language=form.cleaned_data["language"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _language_saved(request, profile.language or practice.language)
    status = 422 if form.errors else 200
    return render(request, "practice/my_settings.html", {"form": form}, status=status)


def _language_saved(request, language: str):
    """Back where they were, already in the language they chose (said in it too)."""
    translation.activate(language)
    request.LANGUAGE_CODE = language
    messages.success(request, _("Your language is saved: every page speaks it from now on."))
    response = redirect(safe_next(request, request.POST.get("next")) or reverse("my-settings"))
    # The login page, before anyone is known, follows the cookie.
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
    )
    return response


def home(request):
    return redirect("calendar")


def public_practice(request, practice_slug: str):
    """The practice's public page: contact details and the way into online booking."""
    practice = request.public_practice
    language = visitor_language(request, practice.language)
    with translation.override(language):
        request.LANGUAGE_CODE = language
        response = render(
            request,
            "practice/public.html",
            {
                "public": practice,
                "locations": location_list(practice),
                "languages": language_links(request, language),
            },
        )
    if request.GET.get("lang") == language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
        )
    return response


def language_links(request, current: str) -> list[tuple[str, str, str, bool]]:
    """The language switch of a public page: (code, name in itself, address, current)."""
    links = []
    for code, _name in settings.LANGUAGES:
        query = request.GET.copy()
        query["lang"] = code
        name = translation.get_language_info(code)["name_local"].capitalize()
        links.append((code, name, f"{request.path}?{query.urlencode()}", code == current))
    return links


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
