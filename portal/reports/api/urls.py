from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.reports.api import views

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, which the CSP (no inline scripts) allows.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("reports/<str:user_ref>/", views.MonthListView.as_view(), name="api-report-months"),
    path("reports/<str:user_ref>/<str:month>/", views.MonthReportView.as_view(), name="api-report-month"),
    path("reports/<str:user_ref>/<str:month>/pdf", views.MonthPdfView.as_view(), name="api-report-pdf"),
]
