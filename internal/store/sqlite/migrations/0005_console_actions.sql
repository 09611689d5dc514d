-- The record of support actions (who, when, what, outcome) that the
-- support console keeps and shows on each order's page. at is in Unix
-- nanoseconds, UTC; seq keeps the order of actions within one nanosecond.
CREATE TABLE console_actions (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    msn          TEXT    NOT NULL,
    payment_type TEXT    NOT NULL CHECK (payment_type IN ('ECOM', 'RECURRING')),
    order_id     TEXT    NOT NULL,
    at           INTEGER NOT NULL,
    actor        TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    detail       TEXT    NOT NULL,
    ok           INTEGER NOT NULL CHECK (ok IN (0, 1)),
    outcome      TEXT    NOT NULL,
    trace_id     TEXT    NOT NULL
) STRICT;

CREATE INDEX console_actions_order ON console_actions (msn, payment_type, order_id, seq);
