from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from portal.accounts.views import admin_login, sign_out
from portal.reports.attention_admin import attention_view

# Instead of Django's "Django administration" (which no translation can make ours).
admin.site.site_header = _("BionicPRO administration")
admin.site.site_title = _("BionicPRO administration")
admin.site.index_title = _("Support console")

urlpatterns = [
    path("", RedirectView.as_view(url="/reports/", permanent=False)),
    # Staff sign in through the portal's sign-in (OIDC when configured), not the admin's own form.
    path("admin/login/", admin_login),
    # ... and sign out everywhere (portal and provider), also from the admin's "Log out" button.
    path("admin/logout/", sign_out),
    # ETL runs moved from the reports app to the etl app; old bookmarks keep working.
    re_path(r"^admin/reports/etlrun/(?P<rest>.*)$", RedirectView.as_view(url="/admin/etl/etlrun/%(rest)s")),
    path("admin/attention/", admin.site.admin_view(attention_view), name="admin_attention"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("portal.accounts.urls")),
    path("", include("portal.reports.urls")),
]

handler500 = "portal.core.error_pages.server_error"
