"""Report pages under /reports/, the REST API under /api/, e-mail settings and links under /mail/."""

from django.urls import include, path

urlpatterns = [
    path("api/", include("portal.reports.api.urls")),
    path("reports/", include("portal.reports.pages.urls")),
    path("mail/", include("portal.reports.delivery.urls")),
]
