-- The first schema: images, categories, receipts and the token signing keys.
--
-- Every order-management row carries who wrote it and when (created_at with
-- microsecond precision, the trace id, the client id and the Vipps-System-*
-- headers) so support can trace a merchant's integration.
--
-- Uniqueness rules live in the primary keys, so that two writers racing for
-- the same key, on one node or on several, cannot both succeed; every read
-- of the store is a lookup by primary key.

-- Images belong to a merchant and are never overwritten: a second upload of
-- the same (msn, id) breaks the primary key and is a conflict. sha512 is the
-- hex digest of data.
CREATE TABLE images (
    msn                   text        NOT NULL,
    id                    text        NOT NULL,
    media_type            text        NOT NULL,
    width                 integer     NOT NULL,
    height                integer     NOT NULL,
    sha512                text        NOT NULL,
    data                  bytea       NOT NULL,
    created_at            timestamptz NOT NULL,
    trace_id              text        NOT NULL,
    client_id             text        NOT NULL,
    system_name           text        NOT NULL,
    system_version        text        NOT NULL,
    system_plugin_name    text        NOT NULL,
    system_plugin_version text        NOT NULL,
    CONSTRAINT images_pkey PRIMARY KEY (msn, id)
);
-- PNG and JPEG are compressed already; EXTERNAL stores them out of line
-- without a futile second compression.
ALTER TABLE images ALTER COLUMN data SET STORAGE EXTERNAL;

-- An order has at most one category: a write replaces the row (upsert).
-- A category may only name an image of the same merchant; the foreign key
-- makes that check part of the write, and the store recognises its name.
CREATE TABLE categories (
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
    CONSTRAINT categories_pkey PRIMARY KEY (msn, payment_type, order_id),
    CONSTRAINT categories_image_fkey FOREIGN KEY (msn, image_id) REFERENCES images (msn, id)
);

-- An order has at most one receipt, stored once: a second insert breaks the
-- primary key and is a conflict. body holds the canonical JSON bytes as
-- given (bytea, not jsonb, which would reorder keys), so reads return
-- exactly what was accepted.
CREATE TABLE receipts (
    msn                   text        NOT NULL,
    payment_type          text        NOT NULL CHECK (payment_type IN ('ECOM', 'RECURRING')),
    order_id              text        NOT NULL,
    id                    text        NOT NULL,
    body                  bytea       NOT NULL,
    created_at            timestamptz NOT NULL,
    trace_id              text        NOT NULL,
    client_id             text        NOT NULL,
    system_name           text        NOT NULL,
    system_version        text        NOT NULL,
    system_plugin_name    text        NOT NULL,
    system_plugin_version text        NOT NULL,
    CONSTRAINT receipts_pkey PRIMARY KEY (msn, payment_type, order_id)
);

-- The Ed25519 keys that sign access tokens, shared by every node on this
-- database so a token from one node is accepted by all. The newest key
-- signs; every key verifies. id is the key's RFC 7638 thumbprint (the JWT
-- kid); private_key is a PKCS #8 PEM block.
CREATE TABLE signing_keys (
    id          text        NOT NULL,
    private_key text        NOT NULL,
    created_at  timestamptz NOT NULL,
    CONSTRAINT signing_keys_pkey PRIMARY KEY (id)
);
