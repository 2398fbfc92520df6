"""The change feed: PostgreSQL logical replication (``pgoutput``) into ClickHouse mirrors.

- ``pgoutput``: decodes the binary messages of the built-in ``pgoutput`` plugin (protocol 1).
- ``publications``: one publication and one logical slot per source database, and their health.
- ``mirrors``: the ``ReplacingMergeTree(_version, _is_deleted)`` copy of every source table the
  marts read, and how a decoded change becomes a mirror row.
- ``drain``: peek a slot, write the mirrors, and only then advance the slot (at-least-once; a change
  applied twice leaves one row).
"""
