import JWTKit

/// The access token's claims: who (`sub`), as what (`role`), bound to which session (`sid`).
struct AccessClaims: JWTPayload {
    static let issuer = "order-platform"

    var sub: SubjectClaim
    var role: String
    var sid: String
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var iss: IssuerClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        guard iss.value == Self.issuer else { throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "wrong issuer") }
    }
}
