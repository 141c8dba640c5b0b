import Foundation
import HTTPTypes
import Hummingbird
import ServiceHTTP

/// Behind ``AdmissionMiddleware`` on a console path: every form post's CSRF token is checked
/// against the session the admission found (or, before sign-in, the browser's form cookie); what
/// goes wrong from here on (a refused form, a handler's refusal, a path no route serves) becomes
/// a page inside the signed-in user's frame; and a cookie whose session is gone (signed out
/// elsewhere, deactivated) is cleared.
struct ConsoleSessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let cookies: ConsoleCookies
    let pages: ConsolePages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard ConsolePaths.owns(request.uri.path) else { return try await next(request, context) }
        do {
            let request = request.method == .post ? try await checkedForm(request, context: context) : request
            var response = try await next(request, context)
            if context.console == nil, cookies.session(in: request.headers) != nil,
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
