"""The API's schema (/api/schema/) and its Swagger UI page (/api/docs/), guarded by
CanReadApiDocs through SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]."""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions

BROWSER_TYPE = "text/plain; charset=utf-8"


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema. A browser (it asks for text/html) gets the YAML as plain text, which
    it shows instead of downloading an unknown `application/vnd.oai.openapi` file; API clients
    keep content negotiation (YAML, or JSON with `Accept: application/json`)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200 and _is_browser(request):
            response.content_type = BROWSER_TYPE  # used when the response renders
            if "Content-Disposition" in response:
                del response["Content-Disposition"]
        return response


def _is_browser(request) -> bool:
    accepted = request.headers.get("Accept", "")
    return "text/html" in accepted and getattr(request, "accepted_media_type", "").startswith(
        "application/vnd.oai.openapi"
    )


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its script served as a file of ours (the CSP allows no inline script).

    A visitor who is not logged in is sent to the login page rather than shown a 403.
    """

    template_name = "api/swagger_ui.html"  # its inline style carries the CSP nonce

    def handle_exception(self, exc):
        if (
            isinstance(exc, exceptions.NotAuthenticated | exceptions.PermissionDenied)
            and not self.request.user.is_authenticated
        ):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
