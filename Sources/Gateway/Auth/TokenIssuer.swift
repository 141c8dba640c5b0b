import Foundation
import JWTKit
import Store

/// Signs and verifies access tokens: HS256 with `SECRET_KEY` only, `exp` and `iss` checked.
struct TokenIssuer: Sendable {
    let keys: JWTKeyCollection
    let lifetime: Duration
    /// About 4 MB when full (a token is some 300 bytes).
    let verified = VerifiedTokenCache(capacity: 10_000)

    init(secret: String, lifetime: Duration) async {
        self.keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.lifetime = lifetime
    }

    func sign(userID: UUID, role: Role, sessionID: String) async throws -> String {
        let now = Date()
        let claims = AccessClaims(
            sub: .init(value: userID.lowercasedString), role: role.rawValue, sid: sessionID,
            iat: .init(value: now), exp: .init(value: now.addingTimeInterval(Double(lifetime.components.seconds))),
            iss: .init(value: AccessClaims.issuer)
        )
        return try await keys.sign(claims, header: ["typ": "JWT"])
    }

    /// The token's claims, or nil when it is malformed, forged, of another algorithm, or expired.
    func verify(_ token: String) async -> Identity? {
        if let known = verified.identity(for: token) { return known }
        guard let claims = try? await keys.verify(token, as: AccessClaims.self),
            let userID = UUID(parsing: claims.sub.value), let role = Role(rawValue: claims.role)
        else { return nil }
        let identity = Identity(userID: userID, role: role, sessionID: claims.sid)
        verified.remember(token, as: identity, until: claims.exp.value)
        return identity
    }
}
