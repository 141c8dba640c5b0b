-- The transaction the gateway runs for POST /api/orders (PostgresOrderRepository.create and
-- PlaceOrderStatements), statement for statement: the idempotency key's lock with the customer's,
-- their pending count with the key's earlier order and the products locked in id order, then
-- stock, order, lines and event written by one statement that returns the order with its lines
-- as one value (and no payment: the HTTP scenarios run with payments off).
-- Users and products are picked through the small bench_* tables the driver fills.
\set u random(1, :users)
\set p1 random(1, :products)
\set p2 random(1, :products)
\set p3 random(1, :products)
\set k random(1, 1000000000000)
BEGIN;
WITH k AS MATERIALIZED (
    SELECT pg_try_advisory_xact_lock(hashtextextended((SELECT id::text FROM bench_users WHERE n = :u) || ':' || :k, 0)) AS got
)
SELECT k.got FROM k LEFT JOIN LATERAL (
    SELECT 1 FROM users WHERE id = (SELECT id FROM bench_users WHERE n = :u) AND k.got FOR NO KEY UPDATE
) AS customer ON true;
WITH pending_and_key AS (
    SELECT (SELECT count(*) FROM orders WHERE user_id = (SELECT id FROM bench_users WHERE n = :u) AND status = 'pending') AS pending,
           o.id, o.request_hash, o.created_at > now() - interval '24 hours' AS fresh
    FROM (SELECT 1) AS one LEFT JOIN orders o ON o.user_id = (SELECT id FROM bench_users WHERE n = :u) AND o.idempotency_key = :k::text
), product AS (
    SELECT id, sku, price, stock, is_active FROM products
    WHERE sku = ANY(ARRAY(SELECT sku FROM bench_products WHERE n IN (:p1, :p2, :p3)))
      AND NOT (SELECT coalesce(k.fresh, false) FROM pending_and_key AS k)
    ORDER BY id FOR NO KEY UPDATE
)
SELECT k.pending, k.id, k.request_hash, k.fresh, p.id, p.sku, p.price, p.stock, p.is_active
FROM pending_and_key AS k LEFT JOIN product AS p ON true;
WITH line AS (
    SELECT gen_random_uuid() AS item_id, b.id AS product_id, 1::int8 AS quantity FROM bench_products b WHERE b.n IN (:p1, :p2, :p3)
), stock AS (
    UPDATE products SET stock = products.stock - line.quantity, updated_at = now()
    FROM line WHERE products.id = line.product_id
), o AS (
    INSERT INTO orders AS o (id, user_id, customer_name, customer_email, customer_phone, shipping_address, notes,
                             status, total_amount, currency, idempotency_key, request_hash, auto_process_at, cancellable_until)
    VALUES (gen_random_uuid(), (SELECT id FROM bench_users WHERE n = :u), 'Bench', 'bench@example.com', NULL, '1 Bench Road', NULL,
            'pending', 40.00, 'USD', :k::text, '\x00'::bytea, now() + 86400 * interval '1 second', now() + 300 * interval '1 second')
    RETURNING o.*
), i AS (
    INSERT INTO order_items (id, order_id, product_id, product_sku, product_name, product_description, quantity, unit_price, total_price)
    SELECT line.item_id, (SELECT id FROM o), p.id, p.sku, p.name, p.description, line.quantity, p.price, p.price * line.quantity
    FROM line JOIN products p ON p.id = line.product_id
    RETURNING *
), event AS (
    INSERT INTO order_events (id, order_id, from_status, to_status, actor_id, actor_role, reason, order_state)
    SELECT gen_random_uuid(), o.id, NULL, 'pending', o.user_id, 'customer', NULL,
           jsonb_build_object('status', o.status, 'tracking_number', o.tracking_number, 'customer_name', o.customer_name,
                              'customer_phone', o.customer_phone, 'shipping_address', o.shipping_address, 'notes', o.notes,
                              'updated_at', extract(epoch FROM o.updated_at))
    FROM o
)
SELECT row(o.id, o.user_id, o.customer_name, o.customer_email, o.customer_phone, o.shipping_address, o.notes, o.status,
           o.total_amount, o.currency, o.tracking_number, o.created_at, o.updated_at, o.auto_process_at, o.cancellable_until,
           NULL::order_payment,
           ARRAY(SELECT row(l.id, l.product_id, l.product_sku, l.product_name, l.product_description, l.quantity, l.unit_price,
                            l.total_price)::order_line
                 FROM i l WHERE l.order_id = o.id))::order_row AS "order"
FROM o;
COMMIT;
