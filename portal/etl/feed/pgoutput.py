"""A decoder for PostgreSQL's built-in logical replication output plugin, ``pgoutput``, protocol 1.

No maintained Python package decodes pgoutput (PyPI has 0.0.x experiments), and protocol 1 is
small: the message formats below are PostgreSQL's "Logical Replication Message Formats"
(https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html). Values arrive as
text, exactly as PostgreSQL prints them in the decoding session (so that session runs with
``TimeZone = 'UTC'``); ``mirrors`` turns them into typed values.

Only what a change feed needs is kept: Begin, Commit, Relation, Insert, Update, Delete and
Truncate. Origin and Type messages are read and skipped; anything else is an error, never a
silent skip.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass, field

# PostgreSQL's epoch for timestamps in the protocol.
PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

# A column value in a tuple: text, NULL, or "unchanged TOASTed value" (an update that did not
# touch a large column leaves it out).
UNCHANGED = object()


class DecodeError(ValueError):
    """A message this decoder does not understand: the feed stops rather than lose a change."""


@dataclass(frozen=True)
class Column:
    name: str
    type_oid: int
    is_key: bool


@dataclass(frozen=True)
class Relation:
    oid: int
    namespace: str
    name: str
    replica_identity: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


@dataclass(frozen=True)
class Begin:
    final_lsn: int
    committed_at: dt.datetime
    xid: int


@dataclass(frozen=True)
class Commit:
    commit_lsn: int
    end_lsn: int
    committed_at: dt.datetime


@dataclass(frozen=True)
class RowChange:
    """An insert, update or delete of one row. ``new`` is the row after the change (None for a
    delete); ``old`` is what PostgreSQL sends of the row before it: the key (or the whole row with
    REPLICA IDENTITY FULL) for a delete, and for an update only when the key changed."""

    kind: str  # "insert" | "update" | "delete"
    relation: Relation
    new: dict[str, object] | None = None
    old: dict[str, object] | None = None


@dataclass(frozen=True)
class Truncate:
    relations: tuple[Relation, ...]


@dataclass
class Decoder:
    """Decodes one stream of messages; keeps the Relation messages it has seen, which every later
    change of that table refers to by oid."""

    relations: dict[int, Relation] = field(default_factory=dict)

    def decode(self, data: bytes) -> Begin | Commit | Relation | RowChange | Truncate | None:
        reader = _Reader(bytes(data))
        kind = reader.byte()
        if kind == b"B":
            return Begin(
                final_lsn=reader.int64(), committed_at=_timestamp(reader.int64()), xid=reader.int32()
            )
        if kind == b"C":
            reader.int8()  # flags, unused
            return Commit(
                commit_lsn=reader.int64(), end_lsn=reader.int64(), committed_at=_timestamp(reader.int64())
            )
        if kind == b"R":
            relation = self._relation(reader)
            self.relations[relation.oid] = relation
            return relation
        if kind in (b"I", b"U", b"D"):
            return self._row_change(kind, reader)
        if kind == b"T":
            count = reader.int32()
            reader.int8()  # options (CASCADE / RESTART IDENTITY), irrelevant to a mirror
            return Truncate(tuple(self._known(reader.int32()) for _ in range(count)))
        if kind in (b"O", b"Y"):
            return None  # origin and type messages: nothing a mirror needs
        raise DecodeError(f"unknown pgoutput message type {kind!r}")

    def _relation(self, reader: _Reader) -> Relation:
        oid = reader.int32()
        namespace, name = reader.string(), reader.string()
        identity = chr(reader.int8())
        columns = []
        for _ in range(reader.int16()):
            flags = reader.int8()
            column_name = reader.string()
            type_oid = reader.int32()
            reader.int32()  # type modifier
            columns.append(Column(column_name, type_oid, is_key=bool(flags & 1)))
        return Relation(oid, namespace, name, identity, tuple(columns))

    def _row_change(self, kind: bytes, reader: _Reader) -> RowChange:
        relation = self._known(reader.int32())
        if kind == b"I":
            _expect(reader.byte(), b"N")
            return RowChange("insert", relation, new=_tuple(reader, relation))
        marker = reader.byte()
        if kind == b"D":
            _expect(marker, b"K", b"O")
            return RowChange("delete", relation, old=_tuple(reader, relation))
        old = None
        if marker in (b"K", b"O"):
            old = _tuple(reader, relation)
            marker = reader.byte()
        _expect(marker, b"N")
        return RowChange("update", relation, new=_tuple(reader, relation), old=old)

    def _known(self, oid: int) -> Relation:
        try:
            return self.relations[oid]
        except KeyError:
            raise DecodeError(
                f"a change refers to relation {oid}, whose Relation message was not seen"
            ) from None


def _tuple(reader: _Reader, relation: Relation) -> dict[str, object]:
    count = reader.int16()
    if count != len(relation.columns):
        raise DecodeError(
            f"{relation.name}: a tuple of {count} columns, the relation has {len(relation.columns)}"
        )
    values: dict[str, object] = {}
    for column in relation.columns:
        kind = reader.byte()
        if kind == b"n":
            values[column.name] = None
        elif kind == b"u":
            values[column.name] = UNCHANGED
        elif kind == b"t":
            values[column.name] = reader.take(reader.int32()).decode()
        else:
            raise DecodeError(f"{relation.name}.{column.name}: unknown tuple value kind {kind!r}")
    return values


def _timestamp(microseconds: int) -> dt.datetime:
    return PG_EPOCH + dt.timedelta(microseconds=microseconds)


def _expect(actual: bytes, *expected: bytes) -> None:
    if actual not in expected:
        raise DecodeError(f"expected one of {expected!r}, found {actual!r}")


class _Reader:
    def __init__(self, data: bytes):
        self._data = data
        self._at = 0

    def take(self, size: int) -> bytes:
        if self._at + size > len(self._data):
            raise DecodeError("message ends early")
        chunk = self._data[self._at : self._at + size]
        self._at += size
        return chunk

    def byte(self) -> bytes:
        return self.take(1)

    def int8(self) -> int:
        return self.take(1)[0]

    def int16(self) -> int:
        return struct.unpack("!h", self.take(2))[0]

    def int32(self) -> int:
        return struct.unpack("!i", self.take(4))[0]

    def int64(self) -> int:
        return struct.unpack("!q", self.take(8))[0]

    def string(self) -> str:
        end = self._data.index(b"\0", self._at)
        text = self._data[self._at : end].decode()
        self._at = end + 1
        return text
