-- The number of entries each merchant's journal holds, kept with every
-- append, so that trimming the ring reads only the oldest pages it
-- deletes. Summing the counts of every page on each append cost a ring of
-- many small pages (a merchant sending a request now and then) one read
-- per page: 29 ms an append for a ring of 10,000 pages of one entry
-- (BenchmarkAppendJournal/single).
CREATE TABLE sandbox_journal_counts (
    msn     TEXT    PRIMARY KEY,
    entries INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO sandbox_journal_counts (msn, entries)
    SELECT msn, sum(count) FROM sandbox_journal GROUP BY msn;

-- Trimming reads the oldest pages of a merchant first.
CREATE INDEX sandbox_journal_oldest ON sandbox_journal (msn, first_seq, id, count);
