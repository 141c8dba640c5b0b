import Metrics

/// How often the database refused an order's automatic move (``OrderTransitions``), by the status
/// it was to take: such an order waits, logged at each try, for someone to mend its rows, so any
/// increase is worth an alert.
struct OrderMoveMetrics: Sendable {
    let refusedToProcessing: Counter
    let refusedToCancelled: Counter

    init(factory: any MetricsFactory) {
        refusedToProcessing = Counter(label: "orders_move_refusals_total", dimensions: [("to", "processing")], factory: factory)
        refusedToCancelled = Counter(label: "orders_move_refusals_total", dimensions: [("to", "cancelled")], factory: factory)
    }
}
