-- v3 categories (contract §5a): an order has a list of categories instead
-- of at most one. v2 and v3 share the list: a v2 PUT replaces it with one
-- category, a v3 POST adds one, v2 GET shows the most recently created.
--
-- seq (the rowid) is the creation order: SQLite gives a new row a rowid
-- above every existing one, so order survives deletes without relying on
-- clocks. id, the category id of v2 and v3, is unique across orders.
-- Existing categories keep their ids and are copied in the order they
-- were written.
ALTER TABLE categories RENAME TO categories_v2;

CREATE TABLE categories (
    seq                   INTEGER PRIMARY KEY,
    msn                   TEXT    NOT NULL,
    payment_type          TEXT    NOT NULL CHECK (payment_type IN ('ECOM', 'RECURRING')),
    order_id              TEXT    NOT NULL,
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
    FOREIGN KEY (msn, image_id) REFERENCES images (msn, id)
) STRICT;

-- Serves v2 GET (the newest of one order and payment type) and the v3 list
-- (one order id, both payment types).
CREATE INDEX categories_by_order ON categories (msn, order_id, payment_type, seq);

INSERT INTO categories (msn, payment_type, order_id, id, category, order_details_url, image_id,
        created_at, trace_id, client_id, system_name, system_version, system_plugin_name, system_plugin_version)
    SELECT msn, payment_type, order_id, id, category, order_details_url, image_id,
        created_at, trace_id, client_id, system_name, system_version, system_plugin_name, system_plugin_version
    FROM categories_v2
    ORDER BY created_at, id;

DROP TABLE categories_v2;
