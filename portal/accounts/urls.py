"""Sign-in and sign-out."""

urlpatterns = []
