import Foundation
import NIOCore

/// What a stream's writer gets from the fan-out, in order.
enum EventDelivery: Sendable {
    /// An event's SSE frame (`id:`, `event:`, `data:`), encoded once for every client.
    /// `at`: when its row was written, for the delivery latency.
    case event(position: Int64, frame: ByteBuffer, at: Date)
    /// Time for the `: keep-alive` comment.
    case heartbeat
}
