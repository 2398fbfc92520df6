"""The staff report access audit log: who read whose report, which month, what, through which
channel, when. Written only for audited grants (staff reading a customer), after the read
succeeded."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from portal.reports.access.gate import ReportGrant
from portal.reports.models import ReportAccessLog

if TYPE_CHECKING:
    # The AUTH_USER_MODEL, as django-stubs resolves get_user_model().
    from django.contrib.auth.models import User


class Resource:
    MONTH_LIST = "list"
    MONTH = "month"
    PDF = "pdf"
    EMAIL = "email"  # support re-sent a monthly e-mail (which carries the report)


class Channel:
    API = "api"
    PAGE = "page"
    ADMIN = "admin"


def record_read(
    *,
    grant: ReportGrant,
    reader: User,
    resource: str,
    channel: str,
    month: dt.date | None = None,
) -> None:
    if not grant.audited:
        return
    ReportAccessLog.objects.create(
        accessed_by_id=reader.pk,  # by id: request.user may be a lazy wrapper
        crm_user_id=grant.crm_user_id,
        month=month,
        resource=resource,
        channel=channel,
    )
