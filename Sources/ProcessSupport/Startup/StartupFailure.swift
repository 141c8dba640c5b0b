/// An error whose message is written for the operator (the schema is behind the build, say):
/// a failed start prints it as it is.
public protocol StartupFailure: Error {
    var message: String { get }
}
