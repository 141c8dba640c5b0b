-- The read the gateway runs for GET /api/orders/{id} (PostgresOrderRepository.find): the order
-- and its lines in one statement and one row, its lines in one column.
\set n random(1, :orders)
SELECT o.id, o.user_id, o.customer_name, o.customer_email, o.customer_phone, o.shipping_address, o.notes, o.status,
       o.total_amount, o.currency, o.tracking_number, o.created_at, o.updated_at, o.auto_process_at, o.cancellable_until,
       ARRAY(SELECT row(l.id, l.product_id, l.product_sku, l.product_name, l.product_description, l.quantity, l.unit_price,
                        l.total_price)
             FROM order_items l WHERE l.order_id = o.id ORDER BY l.product_sku) AS items
FROM orders o
WHERE o.id = (SELECT id FROM bench_orders WHERE n = :n);
