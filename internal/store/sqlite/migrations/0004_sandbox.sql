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

-- The request journal: a bounded ring of entries per merchant, kept as
-- pages, one row per batch the server wrote, so that recording a request
-- costs a small part of one insert. first_seq and last_seq bound the seqs
-- of its entries (a seq is the request's start time in Unix nanoseconds,
-- made unique by the node that served it); id, random, tells apart pages
-- two nodes start at the same instant; entries holds the entries as JSON
-- lines, read only by the sandbox, and comes last so that trimming the
-- ring reads the counts without it.
CREATE TABLE sandbox_journal (
    msn       TEXT    NOT NULL,
    first_seq INTEGER NOT NULL,
    id        INTEGER NOT NULL,
    last_seq  INTEGER NOT NULL,
    count     INTEGER NOT NULL,
    entries   BLOB    NOT NULL,
    PRIMARY KEY (msn, first_seq, id)
) STRICT, WITHOUT ROWID;
