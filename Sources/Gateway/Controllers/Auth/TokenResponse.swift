import Hummingbird

/// The body of a successful login or refresh.
struct TokenResponse: Codable, Sendable, ResponseEncodable {
    var accessToken: String
    var tokenType = "bearer"
    var expiresIn: Int
    var refreshToken: String
    var user: UserResponse

    enum CodingKeys: String, CodingKey {
        case user
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case refreshToken = "refresh_token"
    }
}
