-- The whole schema the v1 API needs. Money is numeric(12,2), times are timestamptz,
-- states are text checked against their allowed values.

CREATE TABLE users (
    id            uuid        PRIMARY KEY,
    username      text        NOT NULL CHECK (char_length(username) BETWEEN 3 AND 50),
    email         text        NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
    password_hash text        NOT NULL,
    role          text        NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'vendor', 'admin')),
    full_name     text,
    phone         text,
    address       text,
    is_active     boolean     NOT NULL DEFAULT true,
    is_verified   boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- Logins match case-insensitively, so uniqueness does too.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_role_created_idx ON users (role, created_at DESC);

CREATE TABLE products (
    id          uuid          PRIMARY KEY,
    sku         text          NOT NULL CHECK (char_length(sku) BETWEEN 1 AND 64),
    name        text          NOT NULL,
    description text,
    category    text          NOT NULL,
    price       numeric(12,2) NOT NULL CHECK (price >= 0),
    stock       integer       NOT NULL DEFAULT 0 CHECK (stock >= 0),
    is_active   boolean       NOT NULL DEFAULT true,
    image_url   text,
    created_at  timestamptz   NOT NULL DEFAULT now(),
    updated_at  timestamptz   NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX products_sku_key ON products (sku);
CREATE INDEX products_active_category_idx ON products (category, name) WHERE is_active;

CREATE TABLE orders (
    id                uuid          PRIMARY KEY,
    user_id           uuid          NOT NULL REFERENCES users (id),
    customer_name     text          NOT NULL,
    customer_email    text          NOT NULL,
    customer_phone    text,
    shipping_address  text          NOT NULL,
    notes             text,
    status            text          NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled')),
    total_amount      numeric(12,2) NOT NULL CHECK (total_amount >= 0),
    currency          char(3)       NOT NULL,
    tracking_number   text,
    idempotency_key   text          CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
    -- SHA-256 of the canonical request body, to tell a replay from a reuse with another body.
    request_hash      bytea,
    created_at        timestamptz   NOT NULL DEFAULT now(),
    updated_at        timestamptz   NOT NULL DEFAULT now(),
    auto_process_at   timestamptz   NOT NULL,
    cancellable_until timestamptz   NOT NULL,
    CHECK (status <> 'shipped' OR tracking_number IS NOT NULL)
);
CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id DESC);
CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC, id DESC);
CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC);
-- The reconciler's and the pending-cap's scan: only pending orders, by due time.
CREATE INDEX orders_pending_due_idx ON orders (auto_process_at) WHERE status = 'pending';
CREATE INDEX orders_pending_user_idx ON orders (user_id) WHERE status = 'pending';
CREATE UNIQUE INDEX orders_user_idempotency_key ON orders (user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE order_items (
    id                  uuid          PRIMARY KEY,
    order_id            uuid          NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id          uuid          NOT NULL REFERENCES products (id),
    product_sku         text          NOT NULL,
    product_name        text          NOT NULL,
    product_description text,
    quantity            integer       NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
    unit_price          numeric(12,2) NOT NULL CHECK (unit_price >= 0),
    total_price         numeric(12,2) NOT NULL CHECK (total_price >= 0),
    UNIQUE (order_id, product_id)
);
CREATE INDEX order_items_sku_idx ON order_items (product_sku);

CREATE TABLE order_events (
    id          uuid        PRIMARY KEY,
    order_id    uuid        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    from_status text        CHECK (from_status IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled')),
    to_status   text        NOT NULL
                CHECK (to_status IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled')),
    -- NULL actor means the system (the delayed job or the reconciler).
    actor_id    uuid        REFERENCES users (id),
    actor_role  text        CHECK (actor_role IN ('customer', 'vendor', 'admin')),
    reason      text,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order_idx ON order_events (order_id, at);
-- The state machine has no cycles, so each state is entered at most once per order:
-- a second "pending -> processing" for one order is refused by the database itself.
CREATE UNIQUE INDEX order_events_once_idx ON order_events (order_id, to_status);
