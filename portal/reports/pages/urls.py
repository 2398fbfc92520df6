from django.urls import path

from portal.reports.pages import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportsHome.as_view(), name="home"),
    path("<str:user_ref>/", views.MonthListPage.as_view(), name="months"),
    path("<str:user_ref>/<str:month>/", views.MonthPage.as_view(), name="month"),
    path("<str:user_ref>/<str:month>/pdf", views.MonthPdfPage.as_view(), name="pdf"),
]
