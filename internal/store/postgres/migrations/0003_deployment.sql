-- The deployment this database belongs to: one row, written by the first
-- node that opens it. Tokens name its id and mode, and a node in another
-- mode refuses the database (contract §8). While the disk is full, the
-- readiness check writes probe (as large as the largest request) and
-- checked_at, to see when writes pass again.
CREATE TABLE deployment (
    singleton  integer     NOT NULL PRIMARY KEY CHECK (singleton = 1),
    id         text        NOT NULL,
    mode       text        NOT NULL CHECK (mode IN ('sandbox', 'configured')),
    created_at timestamptz NOT NULL,
    checked_at timestamptz NOT NULL,
    probe      bytea       NOT NULL DEFAULT ''
);

-- Uncompressed, so a probe takes the space it claims to.
ALTER TABLE deployment ALTER COLUMN probe SET STORAGE EXTERNAL;
