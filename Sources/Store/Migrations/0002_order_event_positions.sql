-- Live events (#17): every order_events row is an event of the stream, with a position.
--
-- `seq` is the order rows were written in: per order it follows the row lock every change takes,
-- so it is that order's true order. `position` is given by the relay (EventRelay) to committed
-- rows only, in `seq` order, under one advisory lock, from `order_event_positions`: so positions
-- only grow, are never given twice (not even after events are deleted), have no gaps but those
-- of a relay transaction that failed, and "every event after N" never misses a row that
-- committed late.
ALTER TABLE order_events ADD COLUMN seq bigserial;
ALTER TABLE order_events ADD COLUMN position bigint UNIQUE;
-- What the change left of the order's changeable fields (status, tracking number, contact
-- details, notes, updated_at), written by the statement that writes the row (OrderEventState):
-- an event carries the order as it stood right after it, from the stream or from Postgres alike.
-- NULL for events older than this migration (served with the order's current state).
ALTER TABLE order_events ADD COLUMN order_state jsonb;
-- 'updated': the delivery details were edited (from and to are the status it stayed in).
ALTER TABLE order_events ADD COLUMN kind text NOT NULL DEFAULT 'transition'
    CHECK (kind IN ('transition', 'updated'));
-- The time the row was written, not the time its transaction began: closer to its commit.
ALTER TABLE order_events ALTER COLUMN at SET DEFAULT clock_timestamp();

-- Each state is still entered at most once per order; edits are not transitions.
DROP INDEX order_events_once_idx;
CREATE UNIQUE INDEX order_events_once_idx ON order_events (order_id, to_status) WHERE kind = 'transition';
CREATE INDEX order_events_unpositioned_idx ON order_events (seq) WHERE position IS NULL;

-- The events that happened before this migration, in the order they happened.
UPDATE order_events e SET position = r.n
FROM (SELECT id, row_number() OVER (ORDER BY at, seq) AS n FROM order_events) AS r
WHERE e.id = r.id;

CREATE SEQUENCE order_event_positions MINVALUE 0 START 0;
SELECT setval('order_event_positions', coalesce((SELECT max(position) FROM order_events), 0), true);

