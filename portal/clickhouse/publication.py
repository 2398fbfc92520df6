"""Which mart rows readers see: the rows of each month's published load.

The ETL never rewrites a month in place. Each load gets a new ``load_id`` (reserved in
``mart_loads`` before any row is written), writes its months' rows into the marts tagged with it
(``load_id``, a MATERIALIZED column, so ``SELECT *`` and the fixed column lists do not show it),
and then publishes them with ONE insert into ``mart_loads``: a row (mart, month, load_id) per
rebuilt month of both marts. One insert is one part, which ClickHouse makes visible whole or not
at all, also when the process dies in the middle; so the publication flips every month of both
marts at once, and rows of a load that never got published are invisible. Superseded rows are
deleted afterwards, but readers do not depend on that: ``live_rows`` shows a month's rows of its
latest published load only. Rows of a month no load ever published (load_id 0: rows from before
this scheme, or written directly by a tool or a test) stay visible until a load publishes the
month. docs/ARCHITECTURE.md, "Loading the marts", has the whole story.
"""

from __future__ import annotations

LOADS_TABLE = "mart_loads"
MARTS = ("report_user_monthly_metrics", "report_prosthetic_monthly_metrics")
# The mart value of the rows that reserve load ids (never read by readers).
RESERVED = ""


def live_rows(mart: str) -> str:
    """A WHERE condition (parenthesised) that keeps the rows readers may see of ``mart``."""
    if mart not in MARTS:
        raise ValueError(f"not a mart: {mart!r}")
    loads = f"{{db:Identifier}}.{LOADS_TABLE}"
    # The mart is one of MARTS; the database is bound as an Identifier parameter.
    return (
        f"((month, load_id) IN (SELECT month, max(load_id) FROM {loads} WHERE mart = '{mart}' GROUP BY month)"  # noqa: S608
        f" OR (load_id = 0 AND month NOT IN (SELECT month FROM {loads} WHERE mart = '{mart}')))"
    )
