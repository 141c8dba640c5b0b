import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ProcessSupport
import ServiceHTTP
import Store
import StoreClients

/// In front of every console page: finds the signed-in user from the session cookie (checking
/// the session in Redis, with the rate limit, in one round trip, as the API's guard does for a
/// bearer token), checks the CSRF token of every form post, and turns what goes wrong into a
/// page in the console's style with the request id, a path no route serves included (the 404
/// page). Paths of the API (``ConsolePaths``) pass through untouched.
struct ConsoleMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let cookies: ConsoleCookies
    let admission: RequestAdmission
    let limits: GatewayConfiguration.RateLimits
    let pages: ConsolePages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard ConsolePaths.owns(request.uri.path) else { return try await next(request, context) }
        var context = context
        var request = request
        let claimed = cookies.session(in: request.headers)
        do {
            let policy = claimed == nil ? limits.anonymousPerIP : limits.authenticatedPerUser
            var outcome = RequestAdmission.Outcome(role: nil, decision: nil)
            do {
                outcome = try await admission.check(
                    session: claimed.map { ($0.userID, $0.sessionID) },
                    limit: (policy, claimed.map { $0.userID.uuidString } ?? context.client.rateLimitKey),
                    logger: context.logger
                )
            } catch let error where claimed == nil && StoreFailure(error)?.kind == .transient {
                // As the API does: anonymous pages fail open when the limit cannot be counted.
                context.logger.warning("rate limit unavailable; failing open", metadata: Logger.Metadata.describing(error))
            }
            if let decision = outcome.decision, !decision.allowed {
                throw RateLimitHeaders.tooManyRequests(policy: policy, decision: decision)
            }
            // A deactivation, a role change or a password change ends the user's sessions, so a
            // live session is all a page needs to know (as for the API's bearer tokens).
            if let claimed, let role = outcome.role {
                context.console = ConsoleUser(id: claimed.userID, username: claimed.username, role: role, sessionID: claimed.sessionID)
                context.logger[metadataKey: "user.id"] = "\(claimed.userID)"
            }
            if request.method == .post { request = try await checkedForm(request, context: context) }
            var response = try await next(request, context)
            // A cookie whose session is gone (signed out elsewhere, deactivated) is cleared.
            if claimed != nil, context.console == nil,
                !response.headers[values: .setCookie].contains(where: { $0.hasPrefix(ConsoleCookies.sessionName) })
            {
                response.headers.append(HTTPField(name: .setCookie, value: cookies.clearedSession))
            }
            return response
        } catch {
            return pages.failure(error, request: request, context: context)
        }
    }

    /// The request with its form body read once and checked: the `_csrf` field must be the
    /// token of the signed-in session, or before sign-in of the browser's form cookie.
    func checkedForm(_ request: Request, context: Context) async throws -> Request {
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let text = String(buffer: body)
        // Postgres text cannot hold NUL: refused here as the API refuses it in a URL.
        if text.range(of: "%00") != nil || text.utf8.contains(0) {
            throw APIError(.badRequest, "The form must not contain NUL characters.")
        }
        let token = (try? URLEncodedFormDecoder().decode(CSRFField.self, from: text))?.csrf ?? ""
        let expected: String? =
            if let console = context.console { cookies.csrfToken(sessionID: console.sessionID) } else {
                cookies.formSeed(in: request.headers).map(cookies.csrfToken(formSeed:))
            }
        guard let expected, ConsoleCookies.same(token, expected) else {
            throw APIError(.forbidden, "This form has expired or did not come from this site. Go back, reload the page and send it again.")
        }
        request.body = .init(buffer: body)
        return request
    }

    struct CSRFField: Decodable {
        var csrf: String
        enum CodingKeys: String, CodingKey { case csrf = "_csrf" }
    }
}
