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


-- The relay's step in one round trip (it was seven statements, and their round trips were most
-- of an event's latency): under the advisory lock `lock_key`, gives up to `batch` committed rows
-- without a position the next positions, in `seq` order, moves the sequence past them and returns
-- them; returns nothing while another giver holds the lock. Each statement of a VOLATILE function
-- sees what committed before it began, so rows the lock's previous holder positioned are seen
-- positioned, as they were by the statements after the lock before. The customer id is read by
-- the same statement that sees the row: a row visible there has its order visible too.
CREATE FUNCTION order_events_position_next(lock_key bigint, batch integer)
RETURNS TABLE (
    "position" bigint, kind text, order_id uuid, customer_id uuid, from_status text, to_status text,
    actor_id uuid, actor_role text, reason text, at timestamptz, order_state text
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    base bigint;
    given bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(lock_key) THEN
        RETURN;
    END IF;
    SELECT last_value INTO base FROM order_event_positions;
    RETURN QUERY
    WITH waiting AS (
        SELECT e.id, row_number() OVER (ORDER BY e.seq) AS n
        FROM (SELECT id, seq FROM order_events WHERE position IS NULL ORDER BY seq LIMIT batch) AS e
    ), moved AS (
        UPDATE order_events e SET position = base + waiting.n
        FROM waiting WHERE e.id = waiting.id
        RETURNING e.position, e.kind, e.order_id, (SELECT o.user_id FROM orders o WHERE o.id = e.order_id),
                  e.from_status, e.to_status, e.actor_id, e.actor_role, e.reason, e.at, e.order_state::text
    )
    SELECT * FROM moved ORDER BY 1;
    SELECT max(e.position) INTO given FROM order_events e WHERE e.position > base;
    IF given IS NOT NULL THEN
        PERFORM setval('order_event_positions', given, true);
    END IF;
END
$$;
