-- The sandbox's fault rules and request journal (sandbox mode only), kept
-- in the store so that a restart keeps them.

-- A fault rule of a merchant. rule is the rule as JSON (api.Fault without
-- its counters); seq is the order rules were added in, which is the order
-- they are matched in. fired counts the answers the rule shaped and
-- matched the requests it matched; count bounds fired (0: no bound).
CREATE TABLE sandbox_faults (
    seq        INTEGER PRIMARY KEY,
    msn        TEXT    NOT NULL,
    id         TEXT    NOT NULL UNIQUE,
    rule       BLOB    NOT NULL,
    count      INTEGER NOT NULL,
    fired      INTEGER NOT NULL DEFAULT 0,
    matched    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sandbox_faults_by_msn ON sandbox_faults (msn, seq);

-- The request journal: a bounded ring of entries per merchant. seq is the
-- request's start time in Unix nanoseconds, made unique by the node that
-- served it; entry is the entry as JSON, read only by the sandbox. One
-- B-tree keyed by (msn, seq) serves inserts, reads newest first and the
-- trimming of the ring.
CREATE TABLE sandbox_journal (
    msn   TEXT    NOT NULL,
    seq   INTEGER NOT NULL,
    entry BLOB    NOT NULL,
    PRIMARY KEY (msn, seq)
) STRICT, WITHOUT ROWID;
