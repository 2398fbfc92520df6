from django.core.management.base import BaseCommand

from portal.etl.feed import setup
from portal.etl.feed.publications import FEEDS, Feed, health, unavailable_reason


class Command(BaseCommand):
    help = (
        "Create the change feed's publications and logical replication slots on the PostgreSQL "
        "sources (idempotent), or remove them with --drop. Sources without logical replication "
        "(SQLite, wal_level below logical) are reported and left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--drop",
            action="store_true",
            help="Drop the slots and publications (a slot nobody reads keeps WAL on the server).",
        )

    def handle(self, *args, drop=False, **options):
        for feed in FEEDS:
            reason = unavailable_reason(feed)
            if reason:
                self.stdout.write(f"{feed.alias}: no change feed ({reason}); the tick reads it by watermark.")
                continue
            change = setup.tear_down if drop else setup.set_up
            for line in change(feed) or ["nothing to do"]:
                self.stdout.write(f"{feed.alias}: {line}")
            if not drop:
                self._report(feed)

    def _report(self, feed: Feed) -> None:
        state = health(feed)
        self.stdout.write(
            f"{feed.alias}: slot {state.slot}, {state.lag_bytes} bytes not yet read, "
            f"{state.retained_bytes} bytes of WAL retained, "
            f"max_slot_wal_keep_size={state.max_slot_wal_keep_size}"
        )
        if state.max_slot_wal_keep_size == "-1":
            self.stderr.write(
                f"{feed.alias}: warning: max_slot_wal_keep_size is unlimited, so a slot nobody reads "
                "keeps WAL forever; set it on the server (docker-compose sets 2GB)."
            )
