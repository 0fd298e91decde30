from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from practice.api.docs import ApiDocsView, SchemaView
from practice.parsing import IdConverter, LinkCodeConverter

# Before the apps' URL modules: they use <id:...> and <code:...>.
register_converter(IdConverter, "id")
register_converter(LinkCodeConverter, "code")

handler404 = "practice.api.exceptions.not_found"
# A request we cannot read (practice.parsing.InvalidInput and Django's own) answers 400
# with the reason (JSON under /api/).
handler400 = "practice.views.bad_request"

urlpatterns = [
    # Browsers ask for /favicon.ico on pages that name none (the admin, a PDF, the schema).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.ico"), permanent=True)),
    path("admin/", admin.site.urls),
    path("api/v1/public/<slug:practice_slug>/", include("online_booking.urls")),
    path("p/<slug:practice_slug>/book/", include("online_booking.page_urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("practice.urls")),
    path("", include("patients.urls")),
    path("", include("appointments.urls")),
    path("", include("messaging.urls")),
    path("", include("departure_workflow.urls")),
    path("", include("reports.urls")),
    path("", include("online_booking.staff_urls")),
    path("", include("crm.urls")),
    path("", include("marketing_workflows.urls")),
]
