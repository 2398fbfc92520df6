"""Admin for ETL run history: every run with its figures, and "run now".

Runs are records of what happened, so they are read-only. Staff with the "add ETL run" permission
can queue a run: the nightly one or a full rebuild from the buttons above the list, or a run like
the selected ones (same mode and month range) from the actions menu. The Celery chain is queued
only once the run's row is committed (``transaction.on_commit``), so a worker always finds it.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from portal.core.admin_mixins import ReadOnlyAdminMixin
from portal.etl import runs
from portal.etl.feed.status import last_tick, source_feeds
from portal.etl.models import EtlRun
from portal.etl.pipeline import STEP_TITLES


def queue_run(*, mode: str, month_from: dt.date | None = None, month_to: dt.date | None = None) -> EtlRun:
    from portal.etl.tasks import start_chain  # the Celery app loads Django; import it only when queuing

    with transaction.atomic():
        run = runs.create_run(
            trigger=EtlRun.Trigger.ADMIN, mode=mode, month_from=month_from, month_to=month_to
        )
        transaction.on_commit(lambda: start_chain(run.pk))
    return run


# Reasons as the extract steps record them ("<table>.<reason>"), named for the admin.
REJECTION_REASONS = {
    "unknown_event_type": gettext_noop("unknown event type"),
    "negative_current": gettext_noop("negative current"),
    "missing_timestamp": gettext_noop("missing timestamp"),
    "future_timestamp": gettext_noop("timestamp in the future"),
    "missing_value": gettext_noop("missing value"),
    "unknown_prosthetic": gettext_noop("unknown prosthesis"),
}
TABLE_NAMES = {"events": gettext_noop("events"), "battery_metrics": gettext_noop("battery readings")}


def _rejection_name(key: str) -> str:
    table, _dot, reason = key.rpartition(".")
    named_reason = gettext(REJECTION_REASONS[reason]) if reason in REJECTION_REASONS else reason
    return f"{gettext(TABLE_NAMES[table])}: {named_reason}" if table in TABLE_NAMES else named_reason


@admin.register(EtlRun)
class EtlRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    change_list_template = "admin/etl/etlrun/change_list.html"
    list_display = (
        "id",
        "status",
        "trigger",
        "mode",
        "data_as_of",
        "started_at",
        "duration",
        "months_count",
        "rows_read",
        "rows_written",
        "rows_rejected",
    )
    list_filter = ("status", "trigger", "mode")
    date_hierarchy = "created_at"
    actions = ["run_again"]
    fields = (
        "status",
        "trigger",
        "mode",
        "month_from",
        "month_to",
        "data_as_of",
        "created_at",
        "started_at",
        "finished_at",
        "duration",
        "heartbeat_at",
        "worker",
        "months",
        "step_table",
        "rejections",
        "rows_rejected",
        "error",
        "watermarks",
        "celery_task_id",
    )
    readonly_fields = fields

    def may_queue(self, request: HttpRequest) -> bool:
        return request.user.has_perm("etl.add_etlrun")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.may_queue(request):
            actions.pop("run_again", None)
        return actions

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_queue_etl": self.may_queue(request),
            "source_feeds": source_feeds(),
            "last_tick": last_tick(),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        run_now = self.admin_site.admin_view(self.run_now_view)
        return [path("run-now/", run_now, name="etl_etlrun_run_now"), *super().get_urls()]

    def run_now_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.may_queue(request):
            self.message_user(request, _("You may not start ETL runs."), messages.ERROR)
        else:
            full = request.POST.get("mode") == EtlRun.Mode.FULL
            run = queue_run(mode=EtlRun.Mode.FULL if full else EtlRun.Mode.INCREMENTAL)
            self.message_user(request, _("ETL run #%(id)s queued.") % {"id": run.pk}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:etl_etlrun_changelist"))

    @admin.action(description=_("Run again (same mode and months)"))
    def run_again(self, request, queryset):
        for previous in queryset.order_by("id"):
            run = queue_run(mode=previous.mode, month_from=previous.month_from, month_to=previous.month_to)
            self.message_user(request, _("ETL run #%(id)s queued.") % {"id": run.pk}, messages.SUCCESS)

    @admin.display(description=_("duration"))
    def duration(self, run):
        if run.started_at and run.finished_at:
            return f"{(run.finished_at - run.started_at).total_seconds():.1f} s"
        return "—"

    @admin.display(description=_("months"))
    def months_count(self, run):
        return len(run.months_recomputed or [])

    @admin.display(description=_("rows read"))
    def rows_read(self, run):
        return sum(step.get("read", 0) for step in run.steps.values() if step.get("read") is not None)

    @admin.display(description=_("rows written"))
    def rows_written(self, run):
        return sum(step.get("written", 0) for step in run.steps.values())

    @admin.display(description=_("months recomputed"))
    def months(self, run):
        return ", ".join(run.months_recomputed or []) or "—"

    @admin.display(description=_("steps"))
    def step_table(self, run):
        rows = [
            (gettext(title), run.steps[step].get("read", "—"), run.steps[step].get("written", "—"))
            for step, title in STEP_TITLES.items()
            if step in run.steps
        ]
        if not rows:
            return "—"
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("step"),
            _("rows read"),
            _("rows written"),
            body,
        )

    @admin.display(description=_("rejected rows by reason"))
    def rejections(self, run):
        rejected = {}
        for step in run.steps.values():
            rejected.update(step.get("rejected", {}))
        if not rejected:
            return "—"
        return format_html_join(
            ", ", "{}: {}", sorted((_rejection_name(key), n) for key, n in rejected.items())
        )
