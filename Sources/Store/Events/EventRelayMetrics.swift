import Metrics

/// The relay's Prometheus metrics.
struct EventRelayMetrics: Sendable {
    /// Positioned and appended by this process's relay.
    let published = Counter(label: "events_published_total")
    /// Time from an event's row being written to its append.
    let lag = Timer(label: "events_publication_lag_seconds", preferredDisplayUnit: .seconds)
    /// Passes that found the stream behind Postgres and published from Postgres.
    let catchUps = Counter(label: "events_relay_catchups_total")
}
