-- The read the gateway runs for GET /api/orders/{id} (PostgresOrderRepository.find, OrderRow):
-- the order with its payment and its lines as one value in one cell.
\set n random(1, :orders)
SELECT row(o.id, o.user_id, o.customer_name, o.customer_email, o.customer_phone, o.shipping_address, o.notes, o.status,
           o.total_amount, o.currency, o.tracking_number, o.created_at, o.updated_at, o.auto_process_at, o.cancellable_until,
           (SELECT row(p.order_id, p.provider, p.status, p.intent_id, p.amount, p.currency, p.captured_amount, p.refunded_amount,
                       p.refunding_amount, p.client_secret, p.next_action::text, p.last_error, p.created_at, p.updated_at)::order_payment
            FROM payments p WHERE p.order_id = o.id),
           ARRAY(SELECT row(l.id, l.product_id, l.product_sku, l.product_name, l.product_description, l.quantity, l.unit_price,
                            l.total_price)::order_line
                 FROM order_items l WHERE l.order_id = o.id))::order_row AS "order"
FROM orders o
WHERE o.id = (SELECT id FROM bench_orders WHERE n = :n);
