import Prometheus

extension PrometheusCollectorRegistry {
    /// Everything the registry holds in Prometheus's text format, as `/metrics` would answer.
    public var text: String {
        var bytes: [UInt8] = []
        emit(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
