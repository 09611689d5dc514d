-- The journal's pages move to a rowid table. In the WITHOUT ROWID table of
-- 0004 a page is a cell of an index b-tree, whose key comparisons read a
-- cell's whole payload once it overflows the page: each insert, trim and
-- delete read whole pages of entries (hundreds of KB) while searching
-- (BenchmarkAppendJournal). A rowid table keeps the blob out of every
-- search: the b-tree is searched by the integer rowid, and the index that
-- orders a merchant's pages holds only their small keys.
CREATE TABLE sandbox_journal_pages (
    rowid     INTEGER PRIMARY KEY,
    msn       TEXT    NOT NULL,
    first_seq INTEGER NOT NULL,
    id        INTEGER NOT NULL,
    last_seq  INTEGER NOT NULL,
    count     INTEGER NOT NULL,
    entries   BLOB    NOT NULL,
    UNIQUE (msn, first_seq, id)
) STRICT;

INSERT INTO sandbox_journal_pages (msn, first_seq, id, last_seq, count, entries)
    SELECT msn, first_seq, id, last_seq, count, entries FROM sandbox_journal ORDER BY msn, first_seq, id;

DROP TABLE sandbox_journal;
ALTER TABLE sandbox_journal_pages RENAME TO sandbox_journal;
