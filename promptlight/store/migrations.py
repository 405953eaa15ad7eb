"""The database schema, as an ordered list of migrations.

``PRAGMA user_version`` holds how many migrations a file has had. Opening a file runs the
missing ones, each in its own transaction together with the version bump, so a crash
leaves the file at one version or the next, never in between. To change the schema,
append a migration; never edit one that has shipped.
"""

from __future__ import annotations

#: ``MIGRATIONS[i]`` takes a file from version ``i`` to version ``i + 1``.
MIGRATIONS: tuple[str, ...] = (
    # 1: datapoints and the results cache.
    """
    CREATE TABLE datapoints (
        -- AUTOINCREMENT: a deleted id is never handed out again, so a link to u:17 never
        -- silently opens a different datapoint.
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        dataset  TEXT NOT NULL,
        prompt   TEXT NOT NULL,
        target   TEXT NOT NULL DEFAULT '',
        source   TEXT NOT NULL DEFAULT '',
        fields   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(fields)),
        created  TEXT NOT NULL,           -- ISO 8601, UTC
        updated  TEXT NOT NULL
    );
    CREATE INDEX datapoints_by_dataset ON datapoints (dataset, id);

    CREATE TABLE results (
        key      TEXT PRIMARY KEY,        -- sha256 of the canonical JSON of the inputs
        kind     TEXT NOT NULL,           -- "generate" | "salience"
        value    TEXT NOT NULL CHECK (json_valid(value)),
        created  TEXT NOT NULL
    );
    CREATE INDEX results_by_created ON results (created);
    """,
    # 2: the size of each cached result, so the cache can be bounded in bytes.
    """
    ALTER TABLE results ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
    UPDATE results SET size = length(CAST(value AS BLOB));
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
