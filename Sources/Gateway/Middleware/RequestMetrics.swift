import HTTPTypes
import Metrics
import Synchronization

/// The request metrics of each route, method and status, made once: a metric made per request
/// would be looked up in the factory's registry under its lock every time.
final class RequestMetrics: Sendable {
    /// One route's metrics for one method and status.
    struct Route: Sendable {
        let requests: Counter
        let duration: Timer
        /// Set for an answer of 400 or above only: a request answered with an error status.
        let errors: Counter?
    }

    /// What a route's metrics are kept under.
    private struct Key: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: Int
    }

    private let factory: any MetricsFactory
    private let routes = Mutex<[Key: Route]>([:])
    private let methods = Mutex<[HTTPRequest.Method: Meter]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// The meter of requests of one method under way.
    func active(_ method: HTTPRequest.Method) -> Meter {
        methods.withLock { meters in
            if let meter = meters[method] { return meter }
            let meter = Meter(
                label: "http.server.active_requests", dimensions: [("http.request.method", method.rawValue)], factory: factory)
            meters[method] = meter
            return meter
        }
    }

    /// Counts and times one answered request; one answered with an error status is also counted as an error.
    func record(route: String, method: HTTPRequest.Method, status: HTTPResponse.Status, elapsed: Duration) {
        let metrics = self.route(Key(route: route, method: method, status: status.code))
        metrics.requests.increment()
        metrics.duration.recordNanoseconds(elapsed.nanoseconds)
        metrics.errors?.increment()
    }

    private func route(_ key: Key) -> Route {
        routes.withLock { routes in
            if let route = routes[key] { return route }
            let dimensions = [
                ("http.route", key.route), ("http.request.method", key.method.rawValue),
                ("http.response.status_code", String(key.status)),
            ]
            let route = Route(
                requests: Counter(label: "hb.requests", dimensions: dimensions, factory: factory),
                duration: Timer(
                    label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds,
                    factory: factory),
                errors: key.status >= 400
                    ? Counter(
                        label: "hb.request.errors",
                        dimensions: [
                            ("http.route", key.route), ("http.request.method", key.method.rawValue),
                            ("error.type", String(key.status)),
                        ], factory: factory)
                    : nil
            )
            routes[key] = route
            return route
        }
    }
}

extension Duration {
    /// The whole nanoseconds of a duration that fits in an `Int64` of them (any request's does).
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
