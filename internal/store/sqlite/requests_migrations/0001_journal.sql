-- The sandbox's request journal, in a database file of its own beside the
-- orders' (see requests.go): pages of entries per merchant, and each
-- merchant's count of entries, kept with every append.
CREATE TABLE sandbox_journal (
    rowid     INTEGER PRIMARY KEY,
    msn       TEXT    NOT NULL,
    first_seq INTEGER NOT NULL,
    id        INTEGER NOT NULL,
    last_seq  INTEGER NOT NULL,
    count     INTEGER NOT NULL,
    entries   BLOB    NOT NULL,
    UNIQUE (msn, first_seq, id)
) STRICT;

-- Trimming reads the oldest pages of a merchant first.
CREATE INDEX sandbox_journal_oldest ON sandbox_journal (msn, first_seq, id, count);

CREATE TABLE sandbox_journal_counts (
    msn     TEXT    PRIMARY KEY,
    entries INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
