/// The body of `POST /api/auth/login`, and the credentials of the console's sign-in form.
struct SignInRequest: Decodable, Sendable {
    /// A username or an email.
    var username: String
    var password: String
}
