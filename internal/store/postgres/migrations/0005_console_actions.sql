-- The record of support actions (who, when, what, outcome) that the
-- support console keeps and shows on each order's page. seq keeps the
-- order of actions that share a timestamp.
CREATE TABLE console_actions (
    seq          bigint      GENERATED ALWAYS AS IDENTITY,
    msn          text        NOT NULL,
    payment_type text        NOT NULL CHECK (payment_type IN ('ECOM', 'RECURRING')),
    order_id     text        NOT NULL,
    at           timestamptz NOT NULL,
    actor        text        NOT NULL,
    action       text        NOT NULL,
    detail       text        NOT NULL,
    ok           boolean     NOT NULL,
    outcome      text        NOT NULL,
    trace_id     text        NOT NULL,
    CONSTRAINT console_actions_pkey PRIMARY KEY (seq)
);

CREATE INDEX console_actions_order ON console_actions (msn, payment_type, order_id, seq);
