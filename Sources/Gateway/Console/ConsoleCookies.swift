import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The console's cookies: the session cookie names a Redis session and its user
/// (`<user id>.<session id>.<username, base64url>`) under an HMAC of `SECRET_KEY`, so it cannot
/// be forged and dies with its session; the CSRF
/// token every form carries is an HMAC of the session (or, before sign-in, of a random value in
/// a cookie of its own).
struct ConsoleCookies: Sendable {
    let key: SymmetricKey
    /// `Secure` outside development (browsers keep Secure cookies on http://localhost too).
    let secure: Bool
    /// How long the session cookie lives (the session's own lifetime).
    let maxAge: Int

    static let sessionName = "op_session"
    static let formName = "op_form"

    init(secret: String, secure: Bool, maxAge: Int) {
        self.key = SymmetricKey(data: SHA256.hash(data: Array(("console:" + secret).utf8)))
        self.secure = secure
        self.maxAge = maxAge
    }

    // MARK: Session

    /// The `Set-Cookie` value for a session.
    func sessionCookie(userID: UUID, sessionID: String, username: String) -> String {
        let value = userID.lowercasedString + "." + sessionID + "." + Self.base64URL(Data(username.utf8))
        return setCookie(Self.sessionName, value + "." + mac(value), maxAge: maxAge)
    }

    /// Ends the session cookie in the browser.
    var clearedSession: String { setCookie(Self.sessionName, "", maxAge: 0) }

    /// The session a request's cookie names, when its signature holds.
    func session(in request: HTTPFields) -> (userID: UUID, sessionID: String, username: String)? {
        guard let value = Self.cookie(Self.sessionName, in: request) else { return nil }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, let userID = UUID(parsing: parts[0]), !parts[1].isEmpty else { return nil }
        let signed = parts[0] + "." + parts[1] + "." + parts[2]
        guard Self.same(mac(String(signed)), String(parts[3])), let name = Self.fromBase64URL(String(parts[2])) else { return nil }
        return (userID, String(parts[1]), name)
    }

    // MARK: Forms

    /// The token forms of this session carry.
    func csrfToken(sessionID: String) -> String { mac("csrf:session:" + sessionID) }

    /// The token forms carry before sign-in, bound to the browser's `op_form` cookie.
    func csrfToken(formSeed: String) -> String { mac("csrf:form:" + formSeed) }

    /// A new random seed for the `op_form` cookie, and its `Set-Cookie` value.
    func newFormSeed() -> (seed: String, cookie: String) {
        let seed = Self.random()
        return (seed, setCookie(Self.formName, seed, maxAge: 86_400))
    }

    /// The `op_form` seed of a request.
    func formSeed(in request: HTTPFields) -> String? { Self.cookie(Self.formName, in: request) }

    // MARK: Helpers

    func mac(_ text: String) -> String {
        Self.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key)))
    }

    /// The `Set-Cookie` value of a console cookie: the whole site, not for scripts, not sent on
    /// cross-site subrequests, Secure outside development.
    private func setCookie(_ name: String, _ value: String, maxAge: Int) -> String {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .lax).description
    }

    static func cookie(_ name: String, in fields: HTTPFields) -> String? {
        Cookies(from: fields[values: .cookie])[name]?.value
    }

    /// Compares two tokens in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL(Data((0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }))
    }

    static func fromBase64URL(_ text: String) -> String? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).flatMap { String(data: $0, encoding: .utf8) }
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
