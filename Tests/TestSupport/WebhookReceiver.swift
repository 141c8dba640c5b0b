import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// `Tests/Peers/webhook_receiver.py`: a real HTTP server on loopback that verifies every delivery
/// with the `standardwebhooks` package and answers from a script the test sets.
public final class WebhookReceiver: StoppablePeer {
    public let port: Int
    let pid: pid_t
    let folder: URL

    /// One delivery as the receiver saw it.
    public struct Received: Decodable, Sendable {
        public var id: String?
        public var timestamp: String?
        public var signatures: String?
        public var verified: Bool
        public var error: String?
        public var answered: Int
        public var type: String?
        public var eventID: String?

        enum CodingKeys: String, CodingKey {
            case id, timestamp, signatures, verified, error, answered, type
            case eventID = "event_id"
        }
    }

    public static func start() async throws -> WebhookReceiver {
        let folder = try TestChildren.folder("webhook-receiver-\(UUID().uuidString)")
        let portFile = folder.appendingPathComponent("port").path
        let pid = try PythonPeers.start("webhook_receiver.py", arguments: [portFile], logFile: folder.appendingPathComponent("log").path)
        do {
            return WebhookReceiver(port: try await PythonPeers.port(in: portFile), pid: pid, folder: folder)
        } catch {
            await PythonPeers.stop(pid)
            throw error
        }
    }

    init(port: Int, pid: pid_t, folder: URL) {
        self.port = port
        self.pid = pid
        self.folder = folder
    }

    /// Runs `body` with a started receiver, stopping it however `body` ends.
    public static func with<T: Sendable>(_ body: (WebhookReceiver) async throws -> T) async throws -> T {
        try await PythonPeers.with(start, body)
    }

    public func stop() async {
        await PythonPeers.stop(pid)
        try? FileManager.default.removeItem(at: folder)
    }

    /// A URL of this receiver (any path is a delivery).
    public func url(_ path: String = "/hooks") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Which secrets verify deliveries, and what to answer: `answers` in order, then `then`.
    public func script(secrets: [String], answers: [Int] = [], then: Int = 200, delay: Double = 0) async throws {
        let body = try JSONSerialization.data(withJSONObject: ["secrets": secrets, "answers": answers, "then": then, "delay": delay])
        _ = try await call("POST", "/_control", body: body)
    }

    /// Every delivery so far, in arrival order.
    public func received() async throws -> [Received] {
        try JSONDecoder().decode([Received].self, from: try await call("GET", "/_received"))
    }

    private func call(_ method: String, _ path: String, body: Data? = nil) async throws -> Data {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .init(rawValue: method)
        if let body { request.body = .bytes(ByteBuffer(data: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return Data(buffer: try await response.body.collect(upTo: 256 << 20))
    }
}
