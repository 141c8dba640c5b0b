-- The transaction the gateway runs for POST /api/orders (PostgresOrderRepository.create), with
-- the same statements in the same order: idempotency lock and lookup, the customer's row lock
-- and pending count, the products locked in id order, stock taken, order, lines and event
-- written, the order and its lines returned for the response. Users and products are picked
-- through the small bench_* tables the driver fills.
\set u random(1, :users)
\set p1 random(1, :products)
\set p2 random(1, :products)
\set p3 random(1, :products)
\set k random(1, 1000000000000)
BEGIN;
SELECT pg_try_advisory_xact_lock(hashtextextended((SELECT id::text FROM bench_users WHERE n = :u) || ':' || :k, 0));
SELECT id, request_hash, created_at > now() - interval '24 hours' FROM orders
 WHERE user_id = (SELECT id FROM bench_users WHERE n = :u) AND idempotency_key = :k::text;
SELECT 1 FROM users WHERE id = (SELECT id FROM bench_users WHERE n = :u) FOR UPDATE;
SELECT count(*) FROM orders WHERE user_id = (SELECT id FROM bench_users WHERE n = :u) AND status = 'pending';
SELECT id, sku, name, description, price, stock, is_active FROM products
 WHERE sku = ANY(ARRAY(SELECT sku FROM bench_products WHERE n IN (:p1, :p2, :p3))) ORDER BY id FOR UPDATE;
UPDATE products SET stock = stock - 1, updated_at = now()
 WHERE id IN (SELECT id FROM bench_products WHERE n IN (:p1, :p2, :p3));
INSERT INTO orders AS o (id, user_id, customer_name, customer_email, customer_phone, shipping_address, notes, status,
                         total_amount, currency, idempotency_key, request_hash, auto_process_at, cancellable_until)
VALUES (gen_random_uuid(), (SELECT id FROM bench_users WHERE n = :u), 'Bench', 'bench@example.com', NULL, '1 Bench Road', NULL,
        'pending', 40.00, 'USD', :k::text, '\x00'::bytea, now() + interval '1 day', now() + interval '5 minutes')
RETURNING o.id, o.user_id, o.customer_name, o.customer_email, o.customer_phone, o.shipping_address, o.notes, o.status,
          o.total_amount, o.currency, o.tracking_number, o.created_at, o.updated_at, o.auto_process_at, o.cancellable_until \gset
WITH i AS (
    INSERT INTO order_items (id, order_id, product_id, product_sku, product_name, product_description, quantity, unit_price, total_price)
    SELECT gen_random_uuid(), :id::uuid, p.id, p.sku, p.name, p.description, 1, p.price, p.price
    FROM bench_products b JOIN products p ON p.id = b.id WHERE b.n IN (:p1, :p2, :p3)
    RETURNING *
)
SELECT i.id, i.product_id, i.product_sku, i.product_name, i.product_description, i.quantity, i.unit_price, i.total_price
FROM i ORDER BY i.product_sku;
INSERT INTO order_events (id, order_id, from_status, to_status, actor_id, actor_role, reason)
VALUES (gen_random_uuid(), :id::uuid, NULL, 'pending', (SELECT id FROM bench_users WHERE n = :u), 'customer', NULL);
COMMIT;
