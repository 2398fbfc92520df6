"""Replication health for support staff: per source, the mode and, for a slot, how far behind it
is; the last tick; and an alert when a slot falls behind or is lost."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext as _

from portal.etl.feed.publications import FEEDS, SlotHealth, health, unavailable_reason
from portal.etl.models import EtlRun


@dataclass(frozen=True)
class SourceFeed:
    source: str
    mode: str  # "logical" | "watermark"
    why_watermark: str = ""
    slot: SlotHealth | None = None
    alert: str = ""


def source_feeds() -> list[SourceFeed]:
    states = []
    for feed in FEEDS:
        reason = unavailable_reason(feed)
        if reason:
            states.append(SourceFeed(feed.alias, "watermark", why_watermark=reason))
            continue
        try:
            slot = health(feed)
        except DatabaseError as exc:  # the source is down: say so, the page still renders
            states.append(SourceFeed(feed.alias, "logical", alert=_("cannot read the slot: %s") % exc))
            continue
        states.append(SourceFeed(feed.alias, "logical", slot=slot, alert=_alert(slot)))
    return states


def _alert(slot: SlotHealth) -> str:
    if not slot.exists:
        return _("the slot %(slot)s does not exist: run manage.py setup_change_feed") % {"slot": slot.slot}
    if slot.wal_status == "lost":
        return _(
            "the slot %(slot)s lost WAL it needed: drop and set up the feed, then run a full rebuild"
        ) % {"slot": slot.slot}
    lag = slot.lag_seconds or 0
    if lag > settings.CHANGE_FEED_LAG_ALERT_SECONDS:
        return _("changes wait %(minutes)d min in the slot (threshold %(limit)d s): is the tick running?") % {
            "minutes": lag // 60,
            "limit": settings.CHANGE_FEED_LAG_ALERT_SECONDS,
        }
    return ""


def last_tick() -> EtlRun | None:
    return EtlRun.objects.filter(trigger=EtlRun.Trigger.TICK).order_by("-id").first()
