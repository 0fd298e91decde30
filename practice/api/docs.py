"""The API's schema (/api/schema/) and its Swagger UI page (/api/docs/), guarded by
CanReadApiDocs through SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]."""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions


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
