-- The number of entries each merchant's journal holds, kept with every
-- append, so that trimming the ring reads only the oldest pages it
-- deletes rather than summing every page's count on each append (29 ms an
-- append on SQLite for a ring of 10,000 pages of one entry). Its row is
-- also what two nodes appending for one merchant take turns on.
CREATE TABLE sandbox_journal_counts (
    msn     text   PRIMARY KEY,
    entries bigint NOT NULL
);

INSERT INTO sandbox_journal_counts (msn, entries)
    SELECT msn, sum(count) FROM sandbox_journal GROUP BY msn;
