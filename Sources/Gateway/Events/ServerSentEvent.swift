import Foundation
import NIOCore

/// The text/event-stream framing (WHATWG HTML, "Server-sent events").
enum ServerSentEvent {
    /// One event; `data` must be one line (compact JSON is).
    static func frame(id: String?, event: String, data: some Sequence<UInt8>) -> ByteBuffer {
        var buffer = ByteBuffer()
        if let id { buffer.writeString("id: \(id)\n") }
        buffer.writeString("event: \(event)\ndata: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }

    /// A comment line: ignored by clients, it keeps proxies and the connection awake.
    static let heartbeat = ByteBuffer(string: ": keep-alive\n\n")

    /// The first bytes of every stream: how long a client waits before it reconnects.
    static func retry(milliseconds: Int) -> ByteBuffer {
        ByteBuffer(string: "retry: \(milliseconds)\n\n")
    }

    /// The last event of a stream the gateway ends: `stream.end` with the reason and the last
    /// event sent, so the client reconnects with `Last-Event-ID` at once.
    static func end(_ reason: EventStreamEnd, lastEventID: Int64) -> ByteBuffer {
        let name =
            switch reason {
            case .tooSlow: "too_slow"
            case .revoked: "revoked"
            case .shutdown: "shutdown"
            case .disconnected: "disconnected"
            }
        let resume = reason == .revoked ? "false" : "true"
        return frame(
            id: nil, event: "stream.end",
            data: Array(#"{"reason":"\#(name)","last_event_id":"\#(lastEventID)","resume":\#(resume)}"#.utf8))
    }
}
