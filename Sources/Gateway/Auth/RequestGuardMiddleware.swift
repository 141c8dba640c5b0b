import HTTPTypes
import Hummingbird
import Logging
import Metrics
import ProcessSupport
import Redis
import ServiceHTTP
import Store

/// Authenticates the bearer token and applies the general rate limit, in one Redis round trip.
///
/// A token is accepted only while its session exists in Redis, so logout and deactivation act at
/// once. A request with a bad token is served as anonymous (routes that need a caller answer 401).
/// When Redis is down the general limit fails open (counted), but authentication cannot.
struct RequestGuardMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let tokens: TokenIssuer
    let admission: RequestAdmission
    let limits: GatewayConfiguration.RateLimits
    let proxies: TrustedProxies
    let failOpen = Counter(label: "ratelimit_fail_open_total")
    let rejected: Counter = Counter(label: "ratelimit_rejected_total", dimensions: [("policy", "general")])

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// Monitoring must keep answering while the API is flooded.
    static let exempt: Set<String> = ["/health/live", "/health/ready", "/api/health"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.client = ClientAddress(proxies.clientAddress(peer: context.peerAddress, forwardedFor: request.headers[Self.forwardedFor]))
        // Console pages are signed in by cookie, and admitted by the console's own middleware.
        if ConsolePaths.owns(request.uri.path) { return try await next(request, context) }
        let exempt = Self.exempt.contains(request.uri.path)

        var claimed: Identity?
        if let token = Self.bearerToken(request) { claimed = await tokens.verify(token) }
        if exempt, claimed == nil { return try await next(request, context) }

        let policy = claimed == nil ? limits.anonymousPerIP : limits.authenticatedPerUser
        var decision: RateLimitDecision?
        do {
            let outcome = try await admission.check(
                session: claimed.map { ($0.userID, $0.sessionID) },
                limit: exempt ? nil : (policy, claimed.map { $0.userID.uuidString } ?? context.client.rateLimitKey),
                logger: context.logger
            )
            if let claimed, let role = outcome.role {
                context.identity = Identity(userID: claimed.userID, role: role, sessionID: claimed.sessionID)
                context.logger[metadataKey: "user.id"] = "\(claimed.userID)"
            }
            decision = outcome.decision
        } catch {
            // The session cannot be checked: an authenticated request cannot be served safely.
            if claimed != nil { throw error }
            failOpen.increment()
            context.logger.warning("rate limit unavailable; failing open", metadata: Logger.Metadata.describing(error))
        }

        if let decision, !decision.allowed {
            rejected.increment()
            throw RateLimitHeaders.tooManyRequests(policy: policy, decision: decision)
        }
        var response = try await next(request, context)
        if let decision { RateLimitHeaders.apply(policy: policy, decision: decision, to: &response.headers) }
        return response
    }

    /// The token of an `Authorization: Bearer …` header (scheme case-insensitive), spaces trimmed.
    /// Works on the UTF-8 bytes: this runs on every request, and Foundation's trimming costs more
    /// than the rest of the header handling together.
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let bytes = header.utf8
        guard bytes.count > 7, bytes.prefix(7).elementsEqual("bearer ".utf8, by: { $0 | 0x20 == $1 }) else { return nil }
        let token = bytes.dropFirst(7).drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        let end = token.lastIndex { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
        guard let end else { return nil }
        return String(Substring(token[...end]))
    }
}
