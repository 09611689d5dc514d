-- A delivery held back behind an earlier pending one of its chain, or
-- behind the image it names, cannot be attempted before that one: its
-- next_attempt_at is raised to the one ahead of it whenever that one is
-- put off, so the claim's range over due deliveries no longer walks every
-- held-back delivery of a backlog on each claim. relay_outbox_depends
-- finds the categories that wait for an image.
CREATE INDEX relay_outbox_depends ON relay_outbox (depends_on) WHERE state IN ('queued', 'retrying') AND depends_on IS NOT NULL;

UPDATE relay_outbox AS o SET next_attempt_at = (SELECT max(e.next_attempt_at) FROM relay_outbox AS e
		WHERE e.state IN ('queued', 'retrying') AND e.msn = o.msn AND e.chain = o.chain AND e.id < o.id)
	WHERE o.state IN ('queued', 'retrying') AND o.next_attempt_at < (SELECT max(e.next_attempt_at) FROM relay_outbox AS e
		WHERE e.state IN ('queued', 'retrying') AND e.msn = o.msn AND e.chain = o.chain AND e.id < o.id);

-- Upstream's id of each category the relay delivered, beside the relay's
-- own: reads forwarded upstream show the shop the ids it was given, and a
-- delete finds the category upstream. It outlives the delivered outbox
-- rows, which are pruned, and is pruned itself once the category is gone
-- at the relay and no delivery still needs it.
CREATE TABLE relay_category_ids (
    msn          TEXT NOT NULL,
    local_id     TEXT NOT NULL,
    upstream_id  TEXT NOT NULL,
    payment_type TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    PRIMARY KEY (msn, local_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX relay_category_ids_upstream ON relay_category_ids (msn, upstream_id);
CREATE INDEX relay_category_ids_order ON relay_category_ids (msn, order_id);

INSERT INTO relay_category_ids (msn, local_id, upstream_id, payment_type, order_id)
	SELECT msn, local_id, upstream_id, payment_type, order_id FROM relay_outbox
	WHERE state = 'delivered' AND operation IN ('addCategory', 'putCategory') AND upstream_id <> ''
	ON CONFLICT (msn, local_id) DO NOTHING;

-- Delivered deliveries are pruned by age, oldest first.
CREATE INDEX relay_outbox_delivered ON relay_outbox (delivered_at) WHERE state = 'delivered';
