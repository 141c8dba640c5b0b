import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A browser's part in a console test: keeps the cookies the gateway sets, reads each page's
/// CSRF token, and posts forms the way an HTML form does.
final class ConsoleBrowser: @unchecked Sendable {
    let client: any TestClientProtocol
    /// Only touched by the one test task driving this browser.
    private(set) var cookies: [String: String] = [:]
    /// The `_csrf` value of the last page read.
    private(set) var csrf = ""
    var userAgent = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"

    init(_ client: any TestClientProtocol) {
        self.client = client
    }

    /// GETs `uri` (redirects are not followed: tests look at them).
    @discardableResult
    func get(_ uri: String) async throws -> TestResponse {
        let response = try await client.execute(uri: uri, method: .get, headers: headers(), body: nil)
        remember(response)
        return response
    }

    /// POSTs `fields` form-encoded, with this page's CSRF token unless `csrf` is false.
    @discardableResult
    func post(_ uri: String, _ fields: [(String, String)] = [], csrf: Bool = true) async throws -> TestResponse {
        var all = fields
        if csrf { all.append(("_csrf", self.csrf)) }
        let body = all.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        var headers = headers()
        headers[.contentType] = "application/x-www-form-urlencoded"
        let response = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
        remember(response)
        return response
    }

    /// Opens the sign-in page and signs in; fails the test unless it lands on the dashboard.
    func signIn(_ username: String, _ password: String = "correct-horse") async throws {
        try await get("/login")
        let response = try await post("/login", [("username", username), ("password", password)])
        #expect(response.status == .seeOther, "sign-in of \(username) gave \(response.status)")
        #expect(response.headers[.location]?.hasPrefix("/dashboard") == true)
        try await get("/dashboard")
    }

    /// Forgets the cookies, as a new browser would.
    func forget() { cookies = [:] }

    func setCookie(_ name: String, _ value: String) { cookies[name] = value }

    private func headers() -> HTTPFields {
        var headers: HTTPFields = [.userAgent: userAgent, .accept: "text/html"]
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
        return headers
    }

    private func remember(_ response: TestResponse) {
        for header in response.headers[values: .setCookie] {
            guard let pair = header.split(separator: ";").first, let equals = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<equals])
            let value = String(pair[pair.index(after: equals)...])
            if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        let html = String(buffer: response.body)
        if let range = html.range(of: #"name="_csrf" value="([^"]*)""#, options: .regularExpression) {
            csrf = String(html[range].dropFirst(#"name="_csrf" value=""#.count).dropLast())
        }
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: "%20", with: "+")
    }
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }
}
