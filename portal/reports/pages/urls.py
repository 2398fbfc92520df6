"""The customer-facing HTML pages under /reports/."""

from django.urls import path

from portal.reports.pages import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportsHome.as_view(), name="home"),
    path("<str:user_ref>/", views.MonthListPage.as_view(), name="months"),
    path("<str:user_ref>/csv", views.MonthListCsv.as_view(), name="months-csv"),
    path("<str:user_ref>/tickets/", views.TicketsPage.as_view(), name="tickets"),
    path("<str:user_ref>/<str:month>/", views.MonthPage.as_view(), name="month"),
    path("<str:user_ref>/<str:month>/pdf", views.MonthPdfPage.as_view(), name="pdf"),
    path("<str:user_ref>/<str:month>/csv", views.MonthCsv.as_view(), name="month-csv"),
    path("<str:user_ref>/<str:month>/support", views.ContactSupport.as_view(), name="contact"),
]
