-- The relay's outbox: every write a relay accepts, in the transaction that
-- stores it, until it is delivered upstream. Times are Unix nanoseconds.
--
-- chain is the sequence a delivery keeps its place in (the writes of one
-- order, or of one image); depends_on is the image delivery a category
-- waits for. The unique key makes a write that is run twice (a retried
-- statement) one delivery.
CREATE TABLE relay_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    operation       TEXT    NOT NULL,
    msn             TEXT    NOT NULL,
    payment_type    TEXT    NOT NULL,
    order_id        TEXT    NOT NULL,
    chain           TEXT    NOT NULL,
    local_id        TEXT    NOT NULL,
    image_id        TEXT    NOT NULL,
    body            BLOB,
    depends_on      INTEGER,
    state           TEXT    NOT NULL CHECK (state IN ('queued', 'retrying', 'delivered', 'failed', 'conflict')),
    created_at      INTEGER NOT NULL,
    trace_id        TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner     TEXT    NOT NULL DEFAULT '',
    lease_until     INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    last_problem    BLOB,
    upstream_id     TEXT    NOT NULL DEFAULT '',
    delivered_at    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (msn, operation, local_id)
) STRICT;

-- What the worker looks for: pending deliveries, and the earlier ones of
-- the same chain that hold them back.
CREATE INDEX relay_outbox_pending ON relay_outbox (next_attempt_at) WHERE state IN ('queued', 'retrying');
CREATE INDEX relay_outbox_chain ON relay_outbox (msn, chain, id) WHERE state IN ('queued', 'retrying');
CREATE INDEX relay_outbox_order ON relay_outbox (order_id, id);
CREATE INDEX relay_outbox_state ON relay_outbox (state, id);
