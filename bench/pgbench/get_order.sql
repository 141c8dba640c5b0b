-- The reads the gateway runs for GET /api/orders/{id} (find: the order, then its lines).
\set n random(1, :orders)
SELECT o.id, o.user_id, o.customer_name, o.customer_email, o.customer_phone, o.shipping_address, o.notes, o.status,
       o.total_amount, o.currency, o.tracking_number, o.created_at, o.updated_at, o.auto_process_at, o.cancellable_until
FROM orders o WHERE o.id = (SELECT id FROM bench_orders WHERE n = :n);
SELECT order_id, id, product_id, product_sku, product_name, product_description, quantity, unit_price, total_price
FROM order_items WHERE order_id = ANY(ARRAY[(SELECT id FROM bench_orders WHERE n = :n)]) ORDER BY product_sku;
