-- Each customer's number of orders, kept by the database (#27): a customer's page of orders
-- (`GET /api/orders/my`) reports its total from here instead of counting the customer's orders
-- on every page, which costs a read of every one of them (and of its heap page while the
-- visibility map lags behind fresh inserts) and grew with the customer's history.
--
-- Statement triggers with transition tables keep it, so every way an order is written counts
-- (the gateway's create, and tests, benchmarks or a hand-made fix writing orders directly) and a
-- bulk insert or delete updates each customer's row once, not once per order. A create already holds
-- its customer's row lock, so the counter adds no waiting between two creates.
CREATE TABLE customer_order_counts (
    user_id uuid   PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    orders  bigint NOT NULL CHECK (orders >= 0)
);

CREATE FUNCTION customer_order_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- In the customers' order, so two bulk inserts never wait for each other in a cycle.
    INSERT INTO customer_order_counts AS c (user_id, orders)
    SELECT placed.user_id, count(*) FROM placed GROUP BY placed.user_id ORDER BY placed.user_id
    ON CONFLICT (user_id) DO UPDATE SET orders = c.orders + excluded.orders;
    RETURN NULL;
END
$$;

CREATE FUNCTION customer_order_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE customer_order_counts AS c SET orders = c.orders - gone.n
    FROM (SELECT removed.user_id, count(*) AS n FROM removed GROUP BY removed.user_id) AS gone
    WHERE c.user_id = gone.user_id;
    RETURN NULL;
END
$$;

CREATE FUNCTION customer_order_counts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM customer_order_counts;
    RETURN NULL;
END
$$;

-- An order's customer never changes; refusing it keeps the counts true without a trigger on
-- every status change.
CREATE FUNCTION orders_keep_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.user_id IS DISTINCT FROM OLD.user_id THEN
        RAISE EXCEPTION 'an order''s customer cannot change' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

-- The triggers first: CREATE TRIGGER locks `orders` against writes until this migration
-- commits, so no order is placed between the count below and the triggers.
CREATE TRIGGER orders_counted AFTER INSERT ON orders
    REFERENCING NEW TABLE AS placed FOR EACH STATEMENT EXECUTE FUNCTION customer_order_counts_add();
CREATE TRIGGER orders_uncounted AFTER DELETE ON orders
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION customer_order_counts_remove();
CREATE TRIGGER orders_truncated AFTER TRUNCATE ON orders
    FOR EACH STATEMENT EXECUTE FUNCTION customer_order_counts_clear();
CREATE TRIGGER orders_customer_fixed BEFORE UPDATE OF user_id ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_keep_customer();

INSERT INTO customer_order_counts (user_id, orders)
SELECT user_id, count(*) FROM orders GROUP BY user_id;
