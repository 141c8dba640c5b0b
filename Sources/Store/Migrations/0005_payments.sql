-- Payments (#26): an order's payment at the provider (Stripe's API), its refunds, and the
-- provider's webhook events applied. Postgres is the truth of what the platform asked the
-- provider for; the jobs that ask are pointers to rows here, and the payment reconciler
-- compares what is not final with the provider. Amounts are numeric(12,2) as every money
-- column; the provider's minor units are computed from them exactly.

-- One payment per order (orders placed with PAYMENTS=off have none: they show as unpaid).
-- `captured_amount` is what the provider captured, `refunded_amount` what it refunded, and
-- `refunding_amount` what refunds asked for and not answered yet hold: two refunds racing for
-- the last of a capture cannot both pass the CHECK.
CREATE TABLE payments (
    order_id        uuid          PRIMARY KEY REFERENCES orders (id),
    provider        text          NOT NULL CHECK (provider IN ('stripe')),
    status          text          NOT NULL DEFAULT 'unpaid'
                    CHECK (status IN ('unpaid', 'requires_action', 'authorized', 'paid', 'partially_refunded', 'refunded',
                                      'voided', 'failed')),
    intent_id       text          UNIQUE CHECK (char_length(intent_id) BETWEEN 1 AND 255),
    amount          numeric(12,2) NOT NULL CHECK (amount >= 0),
    currency        char(3)       NOT NULL,
    captured_amount numeric(12,2) NOT NULL DEFAULT 0 CHECK (captured_amount >= 0 AND captured_amount <= amount),
    refunded_amount numeric(12,2) NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
    refunding_amount numeric(12,2) NOT NULL DEFAULT 0 CHECK (refunding_amount >= 0),
    -- Handed to the order's owner while the payment still needs them (Stripe.js, 3-D Secure).
    client_secret   text,
    next_action     jsonb,
    -- The provider's last refusal (a decline's code and message), for the customer and staff.
    last_error      text,
    created_at      timestamptz   NOT NULL DEFAULT now(),
    updated_at      timestamptz   NOT NULL DEFAULT now(),
    CHECK (refunded_amount + refunding_amount <= captured_amount)
);
-- The reconciler's scan: payments not in a final state, oldest change first.
CREATE INDEX payments_open_idx ON payments (updated_at)
    WHERE status IN ('unpaid', 'requires_action', 'authorized');

-- A refund staff asked for. `pending` (its amount held in `refunding_amount`) until the provider
-- answers: `succeeded` moves it to `refunded_amount`, `failed` gives it back.
-- The idempotency key (the request's `Idempotency-Key`, per order) makes a repeat the same refund.
CREATE TABLE refunds (
    id                 uuid          PRIMARY KEY,
    order_id           uuid          NOT NULL REFERENCES payments (order_id),
    amount             numeric(12,2) NOT NULL CHECK (amount > 0),
    reason             text          CHECK (char_length(reason) <= 500),
    status             text          NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    provider_refund_id text          UNIQUE,
    last_error         text,
    idempotency_key    text          CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
    request_hash       bytea,
    created_by         uuid          REFERENCES users (id),
    created_at         timestamptz   NOT NULL DEFAULT now(),
    updated_at         timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (order_id, idempotency_key)
);
CREATE INDEX refunds_order_idx ON refunds (order_id, created_at);
CREATE INDEX refunds_pending_idx ON refunds (created_at) WHERE status = 'pending';

-- The provider's webhook events applied, by their id: a replay finds its row and changes nothing.
CREATE TABLE payment_provider_events (
    id          text        PRIMARY KEY CHECK (char_length(id) BETWEEN 1 AND 255),
    type        text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- 'payment': the order's payment changed (`order.payment_updated`; from and to are the status
-- the order stayed in).
ALTER TABLE order_events DROP CONSTRAINT order_events_kind_check;
ALTER TABLE order_events ADD CONSTRAINT order_events_kind_check CHECK (kind IN ('transition', 'updated', 'payment'));
