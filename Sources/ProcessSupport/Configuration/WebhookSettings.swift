/// How webhooks are kept and delivered, read by the gateway (saving endpoints) and the workers
/// (delivering).
public struct WebhookSettings: Sendable {
    /// `WEBHOOK_ALLOW_PRIVATE_NETWORKS`: plain `http` and loopback, private, link-local, CGNAT and
    /// metadata addresses allowed (development and tests only).
    public var allowPrivateNetworks: Bool
    /// `WEBHOOK_SECRET_GRACE_SECONDS`: how long a rotated-out secret keeps signing.
    public var secretGraceSeconds: Int
    /// `WEBHOOK_RETRY_SCHEDULE`: seconds from one attempt's failure to the next attempt, one entry
    /// per attempt (the first is the first attempt's, 0); nil for Standard Webhooks' own schedule.
    public var retrySchedule: [Int]?
    /// `WEBHOOK_CONCURRENCY`: deliveries one worker makes at once.
    public var concurrency: Int

    public init(settings: Settings) throws(ConfigurationError) {
        let allow = settings.string("WEBHOOK_ALLOW_PRIVATE_NETWORKS", default: "false").lowercased()
        guard ["true", "false", "1", "0"].contains(allow) else {
            throw ConfigurationError(key: "WEBHOOK_ALLOW_PRIVATE_NETWORKS", reason: "must be true or false (got \"\(allow)\")")
        }
        allowPrivateNetworks = allow == "true" || allow == "1"
        secretGraceSeconds = try settings.int("WEBHOOK_SECRET_GRACE_SECONDS", default: 86_400, range: 0...30 * 86_400)
        concurrency = try settings.int("WEBHOOK_CONCURRENCY", default: 32, range: 1...1024)
        let schedule = try settings.list("WEBHOOK_RETRY_SCHEDULE")
        if schedule.isEmpty {
            retrySchedule = nil
        } else {
            var seconds: [Int] = []
            for entry in schedule {
                guard let value = Int(entry), (0...7 * 86_400).contains(value) else {
                    throw ConfigurationError(
                        key: "WEBHOOK_RETRY_SCHEDULE", reason: "must be a comma list of whole seconds from 0 to 604800 (got \"\(entry)\")")
                }
                seconds.append(value)
            }
            guard seconds.count <= 50 else {
                throw ConfigurationError(key: "WEBHOOK_RETRY_SCHEDULE", reason: "may have at most 50 entries")
            }
            retrySchedule = seconds
        }
    }
}
