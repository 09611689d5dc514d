-- The sandbox's fault rules and request journal (sandbox mode only), kept
-- in the database so that every node sees the same ones and a restart
-- keeps them.

-- A fault rule of a merchant. rule is the rule as JSON (api.Fault without
-- its counters); seq is the order rules were added in, which is the order
-- they are matched in. fired counts the answers the rule shaped and
-- matched the requests it matched; count bounds fired (0: no bound). The
-- counters are updated in place by whichever node served the request.
CREATE TABLE sandbox_faults (
    seq        bigint      GENERATED ALWAYS AS IDENTITY,
    msn        text        NOT NULL,
    id         text        NOT NULL,
    rule       bytea       NOT NULL,
    count      integer     NOT NULL,
    fired      bigint      NOT NULL DEFAULT 0,
    matched    bigint      NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    CONSTRAINT sandbox_faults_pkey PRIMARY KEY (id)
);
CREATE INDEX sandbox_faults_by_msn ON sandbox_faults (msn, seq);

-- The request journal: a bounded ring of entries per merchant, kept as
-- pages, one row per batch a node wrote, so that recording a request
-- costs a small part of one insert. first_seq and last_seq bound the seqs
-- of its entries (a seq is the request's start time in Unix nanoseconds,
-- made unique by the node that served it); id, random, tells apart pages
-- two nodes start at the same instant; entries holds the entries as JSON
-- lines (bytea: only the sandbox reads them).
CREATE TABLE sandbox_journal (
    msn       text    NOT NULL,
    first_seq bigint  NOT NULL,
    id        bigint  NOT NULL,
    last_seq  bigint  NOT NULL,
    count     integer NOT NULL,
    entries   bytea   NOT NULL,
    CONSTRAINT sandbox_journal_pkey PRIMARY KEY (msn, first_seq, id)
);
