/// What a job does. Each kind has a queue of its own in Redis (``JobQueueKeys``), its own
/// handler, policy and metrics in the worker, and workers may run a subset (`JOB_KINDS`).
public enum JobKind: String, CaseIterable, Sendable, Codable {
    /// An order's automatic move pending → processing.
    case transition
    /// One email to one recipient about one order event.
    case email
    /// One order event delivered to one webhook endpoint.
    case webhook
    case paymentIntent = "payment_intent"
    case paymentCapture = "payment_capture"
    case paymentVoid = "payment_void"
    case paymentRefund = "payment_refund"
}
