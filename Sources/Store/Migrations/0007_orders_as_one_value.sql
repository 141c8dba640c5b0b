-- An order as one value (#27): every order statement returns an order with its payment and its
-- lines in one column of type `order_row` (OrderRow.column in the gateway) instead of a column
-- per field and a row per line repeating the order's columns, and so does the relay's function.
-- The types also let Postgres check a statement's fields when it prepares it. 0006's function
-- stays until no gateway older than this runs (both take the same lock).
CREATE TYPE order_line AS (
    id uuid, product_id uuid, product_sku text, product_name text, product_description text, quantity integer,
    unit_price numeric, total_price numeric
);
CREATE TYPE order_payment AS (
    order_id uuid, provider text, status text, intent_id text, amount numeric, currency text, captured_amount numeric,
    refunded_amount numeric, refunding_amount numeric, client_secret text, next_action text, last_error text,
    created_at timestamptz, updated_at timestamptz
);
CREATE TYPE order_row AS (
    id uuid, user_id uuid, customer_name text, customer_email text, customer_phone text, shipping_address text, notes text,
    status text, total_amount numeric, currency text, tracking_number text, created_at timestamptz, updated_at timestamptz,
    auto_process_at timestamptz, cancellable_until timestamptz, payment order_payment, items order_line[]
);

CREATE FUNCTION order_events_publish_orders(lock_key bigint, batch integer)
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
               ARRAY(SELECT row(l.id, l.product_id, l.product_sku, l.product_name, l.product_description, l.quantity,
                                l.unit_price, l.total_price)::order_line
                     FROM order_items l WHERE l.order_id = o.id ORDER BY l.product_sku))::order_row
    FROM moved m JOIN orders o ON o.id = m.order_id
    ORDER BY m.position;
    SELECT max(e.position) INTO given FROM order_events e WHERE e.position > base;
    IF given IS NOT NULL THEN
        PERFORM setval('order_event_positions', given, true);
    END IF;
END
$$;
