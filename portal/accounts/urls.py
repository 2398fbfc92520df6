"""Sign-in and sign-out. The OIDC views keep mozilla-django-oidc's URL names, which it reverses."""

from django.urls import path

from portal.accounts import views

urlpatterns = [
    path("accounts/login/", views.login, name="login"),
    path("accounts/logout/", views.sign_out, name="logout"),
    path("accounts/signed-out/", views.signed_out, name="signed_out"),
    path("accounts/sign-in-failed/", views.sign_in_failed, name="sign_in_failed"),
    path("accounts/no-link/", views.no_crm_link, name="no_crm_link"),
    path("oidc/authenticate/", views.SignInStartView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", views.SignInCallbackView.as_view(), name="oidc_authentication_callback"),
]
