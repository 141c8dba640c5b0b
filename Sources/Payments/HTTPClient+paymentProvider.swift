import AsyncHTTPClient
import NIOCore
import NIOPosix

extension HTTPClient {
    /// The client every call to the payment provider goes through. Unlike `HTTPClient.shared` it
    /// fails a call at once when the provider refuses the connection (`shared` keeps retrying the
    /// connection until the call's deadline: with localstripe down, every payment held its
    /// request to the gateway's 5 s deadline), gives up connecting after 3 s, and never follows
    /// a redirect with a money call. The caller's own retry (a job's backoff, a client's retry
    /// after 503) takes over. Like `shared`, it lives as long as the process.
    public static let paymentProvider: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(3)))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.idleTimeout = .seconds(50)
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()
}
