-- The request journal lives in a database file of its own from here on
-- (requests.go), which took a copy of these tables when it was created.
DROP TABLE sandbox_journal;
DROP TABLE sandbox_journal_counts;
