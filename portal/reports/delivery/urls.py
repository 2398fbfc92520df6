from django.urls import path

from portal.reports.delivery import views

app_name = "delivery"

urlpatterns = [
    path("settings/", views.DeliverySettingsPage.as_view(), name="settings"),
    path("unsubscribe/<str:token>/", views.UnsubscribePage.as_view(), name="unsubscribe"),
    path("pdf/<str:token>/", views.EmailedPdfLink.as_view(), name="pdf"),
]
