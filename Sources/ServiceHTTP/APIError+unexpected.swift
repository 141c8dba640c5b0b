import Logging
import ProcessSupport
import StoreClients

extension APIError {
    /// How the edge answers an error no mapping knew, for the API and the console alike: a store
    /// that is unreachable, restarting or slow is 503 with `Retry-After` (the client may retry);
    /// anything else is a bug, 500. Logged here either way, with what a log may carry (never row
    /// values or SQL), under the request's id like every line of the request.
    public static func unexpected(_ error: any Error, path: String, logger: Logger) -> APIError {
        var metadata = Logger.Metadata.describing(error)
        metadata["http.path"] = "\(path)"
        if let failure = StoreFailure(error), failure.kind == .transient {
            logger.warning("store unavailable", metadata: metadata)
            return APIError(.serviceUnavailable, "A data store is unavailable; try again shortly.", headers: [.retryAfter: "1"])
        }
        logger.error("unhandled error", metadata: metadata)
        return APIError(.internalServerError, "The server could not complete the request.")
    }
}
