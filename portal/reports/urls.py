"""Report pages under /reports/ and the REST API under /api/."""

urlpatterns = []
