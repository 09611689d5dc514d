-- v3 categories (contract §5a): an order has a list of categories instead
-- of at most one. v2 and v3 share the list: a v2 PUT replaces it with one
-- category, a v3 POST adds one, v2 GET shows the most recently created.
--
-- seq is the creation order, from an identity column rather than a clock.
-- id, the category id of v2 and v3, is unique across orders. Existing
-- categories keep their ids and are numbered in the order they were
-- written. The constraint names are the ones the store recognises.
ALTER TABLE categories RENAME TO categories_v2;
ALTER TABLE categories_v2 RENAME CONSTRAINT categories_pkey TO categories_v2_pkey;
ALTER TABLE categories_v2 RENAME CONSTRAINT categories_image_fkey TO categories_v2_image_fkey;

CREATE TABLE categories (
    seq                   bigint      GENERATED ALWAYS AS IDENTITY,
    msn                   text        NOT NULL,
    payment_type          text        NOT NULL CHECK (payment_type IN ('ECOM', 'RECURRING')),
    order_id              text        NOT NULL,
    id                    text        NOT NULL,
    category              text        NOT NULL,
    order_details_url     text        NOT NULL,
    image_id              text,
    created_at            timestamptz NOT NULL,
    trace_id              text        NOT NULL,
    client_id             text        NOT NULL,
    system_name           text        NOT NULL,
    system_version        text        NOT NULL,
    system_plugin_name    text        NOT NULL,
    system_plugin_version text        NOT NULL,
    CONSTRAINT categories_pkey PRIMARY KEY (seq),
    CONSTRAINT categories_id_key UNIQUE (id),
    CONSTRAINT categories_image_fkey FOREIGN KEY (msn, image_id) REFERENCES images (msn, id)
);

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
