"""Error pages in the site's look and the visitor's language (LocaleMiddleware has run by then).

Django's own handlers render ``400.html``, ``403.html`` and ``404.html`` with the request; the
500 handler here does too, with ``error_page`` set so the page never asks for the signed-in user
(the failure may be the database), and shows no signed-in navigation.
"""

from django.http import HttpRequest, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponseServerError:
    template = loader.get_template(template_name)
    return HttpResponseServerError(template.render({"error_page": True}, request))
