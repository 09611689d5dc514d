-- The first schema: images, categories and receipts.
--
-- Every row carries who wrote it and when (created_at in Unix nanoseconds,
-- UTC, the trace id, the client id and the Vipps-System-* headers) so support
-- can trace a merchant's integration.
--
-- Uniqueness rules live in the primary keys, so that two writers racing for
-- the same key cannot both succeed.

-- Images belong to a merchant and are never overwritten: a second upload of
-- the same (msn, id) breaks the primary key and is a conflict.
CREATE TABLE images (
    msn                   TEXT    NOT NULL,
    id                    TEXT    NOT NULL,
    media_type            TEXT    NOT NULL,
    width                 INTEGER NOT NULL,
    height                INTEGER NOT NULL,
    sha512                TEXT    NOT NULL,
    data                  BLOB    NOT NULL,
    created_at            INTEGER NOT NULL,
    trace_id              TEXT    NOT NULL,
    client_id             TEXT    NOT NULL,
    system_name           TEXT    NOT NULL,
    system_version        TEXT    NOT NULL,
    system_plugin_name    TEXT    NOT NULL,
    system_plugin_version TEXT    NOT NULL,
    PRIMARY KEY (msn, id)
) STRICT;

-- An order has at most one category: a write replaces the row (upsert).
-- A category may only name an image of the same merchant; the foreign key
-- makes that check part of the write.
CREATE TABLE categories (
    msn                   TEXT    NOT NULL,
    payment_type          TEXT    NOT NULL CHECK (payment_type IN ('ECOM', 'RECURRING')),
    order_id              TEXT    NOT NULL,
    id                    TEXT    NOT NULL,
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
    PRIMARY KEY (msn, payment_type, order_id),
    FOREIGN KEY (msn, image_id) REFERENCES images (msn, id)
) STRICT;

-- An order has at most one receipt, stored once: a second insert breaks the
-- primary key and is a conflict. body holds the canonical JSON bytes as
-- given, so reads return exactly what was accepted.
CREATE TABLE receipts (
    msn                   TEXT    NOT NULL,
    payment_type          TEXT    NOT NULL CHECK (payment_type IN ('ECOM', 'RECURRING')),
    order_id              TEXT    NOT NULL,
    id                    TEXT    NOT NULL,
    body                  BLOB    NOT NULL,
    created_at            INTEGER NOT NULL,
    trace_id              TEXT    NOT NULL,
    client_id             TEXT    NOT NULL,
    system_name           TEXT    NOT NULL,
    system_version        TEXT    NOT NULL,
    system_plugin_name    TEXT    NOT NULL,
    system_plugin_version TEXT    NOT NULL,
    PRIMARY KEY (msn, payment_type, order_id)
) STRICT;
