import Metrics

/// The live stream's Prometheus metrics on a gateway.
struct EventStreamMetrics: Sendable {
    /// Open streams on this gateway.
    let connected = Gauge(label: "events_stream_clients")
    /// Event frames written to clients (one per event per client).
    let delivered = Counter(label: "events_delivered_total")
    /// Streams ended because their buffer filled.
    let slowDisconnects = Counter(label: "events_slow_consumer_disconnects_total")
    /// Events this gateway's reader read from Postgres because the Redis Stream lacked them.
    let filled = Counter(label: "events_gap_filled_total")
    /// Time from an event's row being written to its fan-out on this gateway.
    let latency = Timer(label: "events_fanout_latency_seconds", preferredDisplayUnit: .seconds)
    /// Time from an event's row being written to its frame handed to a client's connection (one
    /// per event per client): the fan-out's latency plus the wait for each stream's writer.
    let delivery = Timer(label: "events_delivery_latency_seconds", preferredDisplayUnit: .seconds)
}
