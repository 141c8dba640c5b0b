import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import ProcessSupport
import Redis
import ServiceHTTP
import Store
import StoreClients

/// The one admission of every request: who calls (a bearer token on the API's paths, the session
/// cookie on the console's, ``ConsolePaths``), checked against their Redis session together with
/// the general rate limit in one round trip.
///
/// A credential counts only while its session exists in Redis, so logout, deactivation and role
/// changes act at once; a bad or stale one is served as anonymous (routes that need a caller say
/// 401, or the console's sign-in page). When Redis cannot answer, an anonymous request fails open
/// (counted) and an authenticated one cannot be served (503). A refusal is ``RateLimited``,
/// answered once by ``DomainProblems`` for the API and the console alike.
struct AdmissionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let tokens: TokenIssuer
    let cookies: ConsoleCookies
    let admission: RequestAdmission
    let limits: GatewayConfiguration.RateLimits
    let proxies: TrustedProxies
    /// The headers of the two general policies, made once.
    let anonymousHeaders: RateLimitHeaders
    let authenticatedHeaders: RateLimitHeaders
    let failOpen = Counter(label: "ratelimit_fail_open_total")
    let rejected: Counter = Counter(label: "ratelimit_rejected_total", dimensions: [("policy", "general")])

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// Monitoring must keep answering while the API is flooded.
    static let exempt: Set<String> = ["/health/live", "/health/ready", "/api/health"]

    /// The credential a request carries, by where it goes.
    enum Credential {
        /// An API caller's verified access token.
        case bearer(Identity)
        /// A console page's signed session cookie.
        case cookie(userID: UUID, sessionID: String, username: String)

        var session: (userID: UUID, sessionID: String) {
            switch self {
            case .bearer(let identity): (identity.userID, identity.sessionID)
            case .cookie(let userID, let sessionID, _): (userID, sessionID)
            }
        }
    }

    init(
        tokens: TokenIssuer, cookies: ConsoleCookies, admission: RequestAdmission, limits: GatewayConfiguration.RateLimits,
        proxies: TrustedProxies
    ) {
        self.tokens = tokens
        self.cookies = cookies
        self.admission = admission
        self.limits = limits
        self.proxies = proxies
        anonymousHeaders = RateLimitHeaders(policy: limits.anonymousPerIP)
        authenticatedHeaders = RateLimitHeaders(policy: limits.authenticatedPerUser)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.origin = ClientOrigin(peer: context.peer, forwardedFor: request.headers.value(of: Self.forwardedFor), proxies: proxies)
        let credential = await credential(of: request)
        let exempt = Self.exempt.contains(request.uri.path)
        if exempt, credential == nil { return try await next(request, context) }

        let policy = credential == nil ? limits.anonymousPerIP : limits.authenticatedPerUser
        var decision: RateLimitDecision?
        do {
            let outcome = try await admission.check(
                session: credential?.session,
                limit: exempt ? nil : policy,
                client: context.client.rateLimitKey,
                logger: context.logger
            )
            if let credential, let role = outcome.role { admit(credential, as: role, into: &context) }
            decision = outcome.decision
        } catch let error where credential == nil && StoreFailure(error)?.kind == .transient {
            failOpen.increment()
            context.logger.warning("rate limit unavailable; failing open", metadata: Logger.Metadata.describing(error))
        }
        if let decision, !decision.allowed {
            rejected.increment()
            throw RateLimited(policy: policy, decision: decision)
        }
        var response = try await next(request, context)
        if let decision { (credential == nil ? anonymousHeaders : authenticatedHeaders).apply(decision, to: &response.headers) }
        return response
    }

    /// The console's cookie on its paths, a verified bearer token on the API's.
    func credential(of request: Request) async -> Credential? {
        if ConsolePaths.owns(request.uri.path) {
            return cookies.session(in: request.headers).map { .cookie(userID: $0.userID, sessionID: $0.sessionID, username: $0.username) }
        }
        guard let token = Self.bearerToken(request), let identity = await tokens.verify(token) else { return nil }
        return .bearer(identity)
    }

    /// The caller as the live session says (its role now, not the one the credential was made with).
    func admit(_ credential: Credential, as role: Role, into context: inout Context) {
        switch credential {
        case .bearer(let identity):
            context.identity = Identity(userID: identity.userID, role: role, sessionID: identity.sessionID)
        case .cookie(let userID, let sessionID, let username):
            context.console = ConsoleUser(id: userID, username: username, role: role, sessionID: sessionID)
        }
        // Written out only if a line is logged: formatting a UUID on every request costs more.
        context.logger[metadataKey: "user.id"] = .stringConvertible(credential.session.userID)
    }

    /// The token of an `Authorization: Bearer …` header (scheme case-insensitive), spaces trimmed.
    /// Works on the UTF-8 bytes: this runs on every request, and Foundation's trimming costs more
    /// than the rest of the header handling together.
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers.value(of: .authorization) else { return nil }
        let bytes = header.utf8
        guard bytes.count > 7, bytes.prefix(7).elementsEqual("bearer ".utf8, by: { $0 | 0x20 == $1 }) else { return nil }
        let token = bytes.dropFirst(7).drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        let end = token.lastIndex { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
        guard let end else { return nil }
        return String(Substring(token[...end]))
    }
}
