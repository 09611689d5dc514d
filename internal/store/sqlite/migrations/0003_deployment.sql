-- The deployment this database belongs to: one row, written by the first
-- node that opens it. Tokens name its id and mode, and a node in another
-- mode refuses the database (contract §8). While the disk is full, the
-- readiness check rewrites checked_at, to see when writes pass again.
CREATE TABLE deployment (
    singleton  INTEGER NOT NULL PRIMARY KEY CHECK (singleton = 1),
    id         TEXT    NOT NULL,
    mode       TEXT    NOT NULL CHECK (mode IN ('sandbox', 'configured')),
    created_at INTEGER NOT NULL,
    checked_at INTEGER NOT NULL
) STRICT;
