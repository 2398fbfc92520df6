"""Report pages under /reports/ and the REST API under /api/."""

from django.urls import include, path

urlpatterns = [
    path("api/", include("portal.reports.api.urls")),
    path("reports/", include("portal.reports.pages.urls")),
]
