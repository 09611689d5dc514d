-- Categories are stored in order of (msn, order_id, payment_type, seq), a
-- table without rowid whose key is what GET order asks for: the newest
-- category of an order and payment type is one seek into the table, with
-- no index to go through first. The categories_by_order index goes: the
-- table's own order serves v2 GET, the v3 list (one order id, both
-- payment types) and the count of an order's categories. A v2 PUT that
-- rewrites an order's only category in place changes its row and the id
-- index only, and a v3 add one entry less.
--
-- seq now orders the categories of one order id: a new category takes
-- one more than the largest of its order id's (insertCategorySQL), so it
-- is still above every category it may be listed with. Existing rows keep
-- their seq, so their order is unchanged.
CREATE TABLE categories_by_key (
    msn                   TEXT    NOT NULL,
    order_id              TEXT    NOT NULL,
    payment_type          TEXT    NOT NULL CHECK (payment_type IN ('ECOM', 'RECURRING')),
    seq                   INTEGER NOT NULL,
    id                    TEXT    NOT NULL UNIQUE,
    category              TEXT    NOT NULL,
    order_details_url     TEXT    NOT NULL,
    image_id              TEXT,
    created_at            INTEGER NOT NULL,
    trace_id              TEXT    NOT NULL,
    client_id             TEXT    NOT NULL,
    system_name           TEXT    NOT NULL,
    system_version        TEXT    NOT NULL,
    system_plugin_name    TEXT    NOT NULL,
    system_plugin_version TEXT    NOT NULL,
    PRIMARY KEY (msn, order_id, payment_type, seq),
    FOREIGN KEY (msn, image_id) REFERENCES images (msn, id)
) STRICT, WITHOUT ROWID;

INSERT INTO categories_by_key (msn, order_id, payment_type, seq, id, category, order_details_url, image_id,
        created_at, trace_id, client_id, system_name, system_version, system_plugin_name, system_plugin_version)
    SELECT msn, order_id, payment_type, seq, id, category, order_details_url, image_id,
        created_at, trace_id, client_id, system_name, system_version, system_plugin_name, system_plugin_version
    FROM categories;

DROP TABLE categories;
ALTER TABLE categories_by_key RENAME TO categories;
