"""Setting a source's change feed up (publication, slot, initial copy into the mirrors) and down."""

from __future__ import annotations

from portal.etl.feed import publications
from portal.etl.feed.drain import lsn_number
from portal.etl.feed.publications import Feed
from portal.etl.feed.snapshot import forget_snapshot, take_snapshot
from portal.etl.session import etl_clickhouse


def set_up(feed: Feed) -> list[str]:
    done, created_at_lsn = publications.ensure(feed)
    if created_at_lsn is not None:
        with etl_clickhouse() as client:
            copied = take_snapshot(feed, client, version=lsn_number(created_at_lsn))
        done.append("copied into the mirrors: " + ", ".join(f"{t} {n:,}" for t, n in copied.items()))
    return done


def tear_down(feed: Feed) -> list[str]:
    done = publications.drop(feed)
    with etl_clickhouse() as client:
        forget_snapshot(feed, client)
    return done
