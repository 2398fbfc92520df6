"""What can go wrong when someone asks for a report: domain errors (``portal.core.exceptions``)
that the API's exception handler and the pages both answer.

Each carries a translatable message and a stable machine-readable ``code``; the API answers
``{"detail": message, "code": code, ...extra}`` and the pages render the same message. A malformed
month is ``InvalidMonth`` from ``portal.core.months``, importable from here too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from portal.core.exceptions import DomainError
from portal.core.months import InvalidMonth, MonthOutOfRange, format_month

__all__ = [
    "AccountNotLinked",
    "InvalidMonth",
    "InvalidMonthRange",
    "InvalidUserRef",
    "MonthNotProcessed",
    "MonthOutOfRange",
    "NoReportForMonth",
    "ReportError",
    "ReportNotFound",
    "ReportsBusy",
]


class ReportError(DomainError):
    """An error about reading a report."""


class InvalidMonthRange(ReportError):
    code = "invalid_month_range"

    def message(self) -> str:
        return _("The start of the period (from) must not be after its end (to).")


class InvalidUserRef(ReportError):
    code = "invalid_user_id"

    def __init__(self, value: str):
        self.value = value

    def message(self) -> str:
        return _("“%(value)s” is not a customer id: use a number or “me”.") % {"value": self.value}


class ReportNotFound(ReportError):
    """The same answer for an id that does not exist and for someone else's id."""

    status = 404
    code = "not_found"

    def message(self) -> str:
        return _("Report not found.")


class AccountNotLinked(ReportError):
    status = 404
    code = "account_not_linked"

    def message(self) -> str:
        return _(
            "Your account is not linked to a BionicPRO customer record yet, so there are no reports "
            "to show. Please contact support."
        )


class NoReportForMonth(ReportError):
    """The month is processed but the customer had no account (or no data) yet."""

    status = 404
    code = "no_report_for_month"

    def __init__(self, month: dt.date, first_month: dt.date | None):
        self.month = month
        self.first_month = first_month

    def message(self) -> str:
        if self.first_month is None:
            return _("There are no reports for this customer yet.")
        return _("There is no report for %(month)s: reports start with %(first)s.") % {
            "month": format_month(self.month),
            "first": format_month(self.first_month),
        }

    def extra(self) -> dict[str, Any]:
        return {"first_month": format_month(self.first_month) if self.first_month else None}


class MonthNotProcessed(ReportError):
    """The month starts at or after the processed data's upper bound: no report exists yet."""

    status = 409
    code = "month_not_processed"

    def __init__(self, month: dt.date, data_as_of: dt.datetime | None, processed_through: dt.date | None):
        self.month = month
        self.data_as_of = data_as_of
        self.processed_through = processed_through

    def message(self) -> str:
        if self.processed_through is None:  # None exactly when data_as_of is
            return _("No data has been processed yet; reports appear after the first nightly update.")
        return _(
            "The report for %(month)s is not ready: data is processed through %(date)s. "
            "Reports are updated every night."
        ) % {"month": format_month(self.month), "date": self.processed_through.isoformat()}

    def extra(self) -> dict[str, Any]:
        return {
            "processed_through": self.processed_through.isoformat() if self.processed_through else None,
            "data_as_of": self.data_as_of.isoformat() if self.data_as_of else None,
        }


class ReportsBusy(ReportError):
    """Embedded ClickHouse stayed locked by the ETL for longer than the report request may wait."""

    status = 503
    code = "reports_busy"
    retry_after_seconds = 30

    def message(self) -> str:
        return _("Reports are being updated right now. Please try again in a minute.")

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}
