"""No admin page may run an unbounded query: on PostgreSQL every admin request's statements get
``statement_timeout = ADMIN_STATEMENT_TIMEOUT`` seconds (a page that needs longer fails with a
clear error instead of scanning millions of rows for minutes). Set per connection the request
uses, on its first statement, and reset when the request ends: connections are kept between
requests and serve the API too. SQLite has no statement timeout; it holds only local data.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class AdminStatementTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(reverse("admin:index")):
            return self.get_response(request)
        timeout = _StatementTimeout(milliseconds=int(settings.ADMIN_STATEMENT_TIMEOUT * 1000))
        wrapped = [connections[alias] for alias in connections if connections[alias].vendor == "postgresql"]
        for connection in wrapped:
            connection.execute_wrappers.append(timeout)
        try:
            return self.get_response(request)
        finally:
            for connection in wrapped:
                connection.execute_wrappers.remove(timeout)
            timeout.reset()


class _StatementTimeout:
    """An execute wrapper that sets the timeout on each connection before its first statement."""

    def __init__(self, *, milliseconds: int):
        self.milliseconds = milliseconds
        self.applied: list = []

    def __call__(self, execute, sql, params, many, context):
        connection = context["connection"]
        if connection not in self.applied:
            self.applied.append(connection)
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(self.milliseconds)])
        return execute(sql, params, many, context)

    def reset(self) -> None:
        for connection in self.applied:
            if connection.connection is None:
                continue
            try:
                with connection.cursor() as cursor:
                    cursor.execute("RESET statement_timeout")
            except DatabaseError:
                # The request's transaction failed (e.g. a statement hit the timeout): its
                # rollback undoes the SET as well.
                continue
