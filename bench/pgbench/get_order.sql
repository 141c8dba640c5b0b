-- The read the gateway runs for GET /api/orders/{id} (PostgresOrderRepository.find): the order
-- and its lines in one statement, one row per line.
\set n random(1, :orders)
SELECT o.id, o.user_id, o.customer_name, o.customer_email, o.customer_phone, o.shipping_address, o.notes, o.status,
       o.total_amount, o.currency, o.tracking_number, o.created_at, o.updated_at, o.auto_process_at, o.cancellable_until,
       i.id, i.product_id, i.product_sku, i.product_name, i.product_description, i.quantity, i.unit_price, i.total_price
FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
WHERE o.id = (SELECT id FROM bench_orders WHERE n = :n) ORDER BY i.product_sku;
