-- Each order's lines kept on its own row as well (#27), as the `order_line[]` every read of an
-- order returns: a page of 20 orders read its lines with a subquery per order, which scanned
-- `order_items` through its index 20 times a page; reading the array with the row
-- does none of that (pgbench on a customer's page of 20: +18 to +74 %, six runs alternated).
--
-- `order_items` stays the record (foreign keys, product reports, the SKU search); `orders.lines`
-- is its copy in SKU order, kept by the statement triggers below in the same transaction as every
-- write to `order_items`, whoever makes it (the gateway's create, tests, a hand-made fix). The
-- create writes the array itself with the order, so the trigger finds it equal and writes no
-- second version of the row. `order_line` is now a stored type: changing it later means
-- rewriting this column (`ALTER TYPE ... CASCADE`).
ALTER TABLE orders ADD COLUMN lines order_line[] NOT NULL DEFAULT '{}';

-- The lines of the orders a statement on `order_items` touched, read again from it and written
-- where they differ. One function for the three kinds of write: each trigger names its transition
-- tables, and only the branch of its own kind reads them.
CREATE FUNCTION order_items_copy() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed uuid[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        changed := ARRAY(SELECT DISTINCT added.order_id FROM added);
    ELSIF TG_OP = 'UPDATE' THEN
        changed := ARRAY(SELECT old_items.order_id FROM old_items UNION SELECT new_items.order_id FROM new_items);
    ELSIF TG_OP = 'DELETE' THEN
        changed := ARRAY(SELECT DISTINCT removed.order_id FROM removed);
    ELSE
        UPDATE orders SET lines = '{}' WHERE cardinality(lines) > 0;
        RETURN NULL;
    END IF;
    UPDATE orders AS o SET lines = fresh.lines
    FROM (SELECT c.id, ARRAY(SELECT row(i.id, i.product_id, i.product_sku, i.product_name, i.product_description,
                                        i.quantity, i.unit_price, i.total_price)::order_line
                             FROM order_items i WHERE i.order_id = c.id ORDER BY i.product_sku, i.id) AS lines
          FROM unnest(changed) AS c(id)) AS fresh
    WHERE o.id = fresh.id AND o.lines IS DISTINCT FROM fresh.lines;
    RETURN NULL;
END
$$;

-- The triggers first: CREATE TRIGGER locks `order_items` against writes until this migration
-- commits, so no line is written between the copy below and the triggers.
CREATE TRIGGER order_items_copied AFTER INSERT ON order_items
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION order_items_copy();
CREATE TRIGGER order_items_recopied AFTER UPDATE ON order_items
    REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION order_items_copy();
CREATE TRIGGER order_items_uncopied AFTER DELETE ON order_items
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION order_items_copy();
CREATE TRIGGER order_items_truncated AFTER TRUNCATE ON order_items
    FOR EACH STATEMENT EXECUTE FUNCTION order_items_copy();

UPDATE orders AS o SET lines = ARRAY(
    SELECT row(i.id, i.product_id, i.product_sku, i.product_name, i.product_description, i.quantity, i.unit_price,
               i.total_price)::order_line
    FROM order_items i WHERE i.order_id = o.id ORDER BY i.product_sku, i.id)
WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id);

-- The relay's function of 0007 with the order's lines from the row.
CREATE OR REPLACE FUNCTION order_events_publish_orders(lock_key bigint, batch integer)
RETURNS TABLE (
    "position" bigint, kind text, order_id uuid, customer_id uuid, from_status text, to_status text,
    actor_id uuid, actor_role text, reason text, at timestamptz, order_state text,
    "order" order_row
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    base bigint;
    given bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(lock_key) THEN
        RETURN;
    END IF;
    SELECT last_value INTO base FROM order_event_positions;
    RETURN QUERY
    WITH waiting AS (
        SELECT e.id, row_number() OVER (ORDER BY e.seq) AS n
        FROM (SELECT id, seq FROM order_events WHERE position IS NULL ORDER BY seq LIMIT batch) AS e
    ), moved AS (
        UPDATE order_events e SET position = base + waiting.n
        FROM waiting WHERE e.id = waiting.id
        RETURNING e.position, e.kind, e.order_id, e.from_status, e.to_status, e.actor_id, e.actor_role, e.reason, e.at,
                  e.order_state::text AS order_state
    )
    SELECT m.position, m.kind, m.order_id, o.user_id, m.from_status, m.to_status, m.actor_id, m.actor_role, m.reason,
           m.at, m.order_state,
           row(o.id, o.user_id, o.customer_name, o.customer_email, o.customer_phone, o.shipping_address, o.notes, o.status,
               o.total_amount, o.currency, o.tracking_number, o.created_at, o.updated_at, o.auto_process_at, o.cancellable_until,
               (SELECT row(p.order_id, p.provider, p.status, p.intent_id, p.amount, p.currency, p.captured_amount,
                           p.refunded_amount, p.refunding_amount, p.client_secret, p.next_action::text, p.last_error,
                           p.created_at, p.updated_at)::order_payment
                FROM payments p WHERE p.order_id = o.id),
               o.lines)::order_row
    FROM moved m JOIN orders o ON o.id = m.order_id
    ORDER BY m.position;
    SELECT max(e.position) INTO given FROM order_events e WHERE e.position > base;
    IF given IS NOT NULL THEN
        PERFORM setval('order_event_positions', given, true);
    END IF;
END
$$;
