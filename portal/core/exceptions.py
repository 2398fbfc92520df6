"""The portal's domain errors: what a request can get wrong or run into, independent of how it is
answered.

Each error carries an HTTP status, a stable machine-readable ``code``, a translated message and
optional extra fields. The API's exception handler (``portal.core.api.exception_handler``) answers
``{"detail": message, "code": code, ...extra}`` with ``headers()``; the HTML pages show the same
message with the same status and headers.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status: int = 400
    code: str = "error"

    def message(self) -> str:
        raise NotImplementedError

    def extra(self) -> dict[str, Any]:
        """Fields added to the API body next to ``detail`` and ``code``."""
        return {}

    def headers(self) -> dict[str, str]:
        """HTTP headers every answer to this error carries (API and pages alike)."""
        return {}

    def body(self) -> dict[str, Any]:
        return {"detail": self.message(), "code": self.code, **self.extra()}
