import ProcessSupport

/// "At most `limit` requests per `period`, with bursts of up to `burst`", as configured, e.g.
/// `10/min`, `20/s:50` (burst 50) or `10/h`.
public struct RateLimitPolicy: Sendable, Equatable {
    /// Names the counter family in Redis and in the `RateLimit-Policy` header.
    public var name: String
    public var limit: Int
    public var periodSeconds: Int
    public var burst: Int

    public init(name: String, limit: Int, periodSeconds: Int, burst: Int? = nil) {
        self.name = name
        self.limit = limit
        self.periodSeconds = periodSeconds
        self.burst = burst ?? limit
    }

    /// Parses `N/unit[:burst]` where unit is `s`, `min` or `h`.
    public init(name: String, parsing text: String) throws(ConfigurationError) {
        let key = "RATE_LIMIT_" + name.uppercased()
        let parts = text.split(separator: ":")
        let rate = parts.first?.split(separator: "/") ?? []
        let units = ["s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600]
        guard parts.count <= 2, rate.count == 2, let limit = Int(rate[0]), limit > 0,
            let period = units[String(rate[1])]
        else {
            throw ConfigurationError(key: key, reason: "must look like 10/min, 20/s:50 or 10/h (got \"\(text)\")")
        }
        var burst: Int?
        if parts.count == 2 {
            guard let value = Int(parts[1]), value > 0 else {
                throw ConfigurationError(key: key, reason: "has a burst that is not a positive number (got \"\(text)\")")
            }
            burst = value
        }
        self.init(name: name, limit: limit, periodSeconds: period, burst: burst)
    }

    /// Microseconds between two requests at the sustained rate (GCRA's emission interval).
    var emissionIntervalMicroseconds: Int { max(1, periodSeconds * 1_000_000 / limit) }

    /// `RateLimit-Policy` value (draft-ietf-httpapi-ratelimit-headers-07 syntax).
    public var headerValue: String { "\(limit);w=\(periodSeconds)" + (burst != limit ? ";burst=\(burst)" : "") }
}
