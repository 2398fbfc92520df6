"""ClickHouse access for the marts: the client (embedded chDB or a server), the versioned schema."""
