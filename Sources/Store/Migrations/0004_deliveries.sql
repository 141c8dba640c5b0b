-- Deliveries (#25): order events told to other systems by webhook and to customers by email,
-- through the job queue, with Postgres as the truth of what was owed and what was delivered.

-- A customer may turn off the status emails (the created and cancelled ones are always sent).
ALTER TABLE users ADD COLUMN email_notifications boolean NOT NULL DEFAULT true;

-- An admin's webhook endpoint. The secret signs every delivery; after a rotation the previous
-- one signs too (a second signature) until `previous_secret_until`.
CREATE TABLE webhook_endpoints (
    id                    uuid        PRIMARY KEY,
    url                   text        NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
    event_types           text[]      NOT NULL,
    active                boolean     NOT NULL DEFAULT true,
    description           text        NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
    secret                text        NOT NULL,
    previous_secret       text,
    previous_secret_until timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- The delivery ledger: one row per (event, target), the target an endpoint or a recipient's
-- address. The dispatcher writes rows idempotently (the unique key), the jobs that deliver them
-- are only pointers to rows here, and the reconciler enqueues again whatever is still owed.
CREATE TABLE deliveries (
    id               uuid        PRIMARY KEY,
    kind             text        NOT NULL CHECK (kind IN ('webhook', 'email')),
    event_position   bigint      NOT NULL,
    event_type       text        NOT NULL,
    order_id         uuid        NOT NULL,
    target           text        NOT NULL,
    endpoint_id      uuid        REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    state            text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed', 'dead')),
    attempts         integer     NOT NULL DEFAULT 0,
    response_status  integer,
    duration_ms      integer,
    last_error       text,
    response_excerpt text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    attempted_at     timestamptz,
    delivered_at     timestamptz,
    UNIQUE (event_position, kind, target)
);
-- What is still owed, oldest first (the reconciler's scan).
CREATE INDEX deliveries_owed_idx ON deliveries (created_at) WHERE state IN ('pending', 'failed');
-- An endpoint's log, newest first.
CREATE INDEX deliveries_endpoint_idx ON deliveries (endpoint_id, created_at DESC, id DESC) WHERE endpoint_id IS NOT NULL;
-- The outbox, newest first; one order's deliveries to one target in event order.
CREATE INDEX deliveries_kind_idx ON deliveries (kind, created_at DESC);
CREATE INDEX deliveries_order_idx ON deliveries (order_id, target, event_position);

-- How far the dispatcher has turned events into deliveries. It starts at the last event that
-- exists now: events from before deliveries existed are not sent.
CREATE TABLE delivery_dispatch (
    name     text   PRIMARY KEY,
    position bigint NOT NULL
);
INSERT INTO delivery_dispatch (name, position)
SELECT 'events', coalesce(max(position), 0) FROM order_events;
