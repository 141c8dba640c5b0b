import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import Synchronization

/// `Tests/Peers/localstripe_server.py`: localstripe (a stateful fake of Stripe's API, from PyPI)
/// on loopback, with its state in a folder of its own; it can be killed and restarted with its
/// intents kept, as a provider outage.
public final class LocalStripe: StoppablePeer {
    /// The running process and its port (restarts keep the port).
    private let process: Mutex<(pid: pid_t, port: Int)>
    let folder: URL

    public var port: Int { process.withLock { $0.port } }

    /// The secret key tests use (localstripe takes any `sk_…`).
    public static let secretKey = "sk_test_localstripe"

    public static func start() async throws -> LocalStripe {
        let folder = try TestChildren.folder("localstripe-\(UUID().uuidString)")
        let (pid, port) = try await launch(in: folder, port: 0, fromScratch: true)
        return LocalStripe(port: port, pid: pid, folder: folder)
    }

    init(port: Int, pid: pid_t, folder: URL) {
        self.process = Mutex((pid, port))
        self.folder = folder
    }

    static func launch(in folder: URL, port: Int, fromScratch: Bool) async throws -> (pid_t, Int) {
        let portFile = folder.appendingPathComponent("port")
        try? FileManager.default.removeItem(at: portFile)
        let pid = try PythonPeers.start(
            "localstripe_server.py", arguments: [folder.path, String(port)] + (fromScratch ? ["--from-scratch"] : []),
            logFile: folder.appendingPathComponent("log").path)
        do {
            return (pid, try await PythonPeers.port(in: portFile.path))
        } catch {
            await PythonPeers.stop(pid)
            throw error
        }
    }

    /// Runs `body` with a started provider, stopping it however `body` ends.
    public static func with<T: Sendable>(_ body: (LocalStripe) async throws -> T) async throws -> T {
        try await PythonPeers.with(start, body)
    }

    public func stop() async {
        await kill()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Kills the provider (SIGKILL): calls meanwhile find nothing listening.
    public func kill() async {
        // Once: a second signal to a reaped pid could reach another process.
        let pid = process.withLock { process in
            defer { process.pid = 0 }
            return process.pid
        }
        if pid > 0 { await PythonPeers.stop(pid) }
    }

    /// Starts it again on the same port with the state it had.
    public func restart() async throws {
        let restarted = try await Self.launch(in: folder, port: port, fromScratch: false)
        process.withLock { $0 = restarted }
    }

    /// `http://127.0.0.1:<port>`: the `STRIPE_API_BASE` of a test.
    public var apiBase: String { "http://127.0.0.1:\(port)" }

    /// Registers a webhook endpoint: localstripe signs each event with `secret` and sends it
    /// once, about a second after it happens.
    public func registerWebhook(id: String = "platform", url: String, secret: String) async throws {
        try await post("/_config/webhooks/\(id)", ["url": url, "secret": secret])
    }

    /// Completes (or fails) a 3-D Secure authentication the way the payer's browser would.
    public func authenticate(intent: String, clientSecret: String, success: Bool) async throws {
        try await post(
            "/v1/payment_intents/\(intent)/_authenticate",
            ["client_secret": clientSecret, "success": success ? "true" : "false", "key": "pk_test_localstripe"])
    }

    /// A card PaymentMethod for `number` (3-D Secure and decline cards have no `pm_card_…` id there).
    public func cardMethod(number: String) async throws -> String {
        let answer = try await post(
            "/v1/payment_methods",
            ["type": "card", "card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2034", "card[cvc]": "123"])
        guard let id = (try JSONSerialization.jsonObject(with: answer) as? [String: Any])?["id"] as? String else {
            throw CocoaError(.coderReadCorrupt, userInfo: [NSLocalizedDescriptionKey: "localstripe made no payment method"])
        }
        return id
    }

    /// A GET of the provider's API with the test key, decoded as JSON; any other answer than
    /// 200 is thrown with its status and body.
    public func get(_ path: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: apiBase + path)
        request.headers.add(name: "Authorization", value: "Bearer " + Self.secretKey)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 22)
        guard response.status == .ok else {
            throw CocoaError(
                .fileReadUnknown,
                userInfo: [NSLocalizedDescriptionKey: "localstripe answered \(response.status.code) to \(path): \(String(buffer: body))"])
        }
        return (try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }

    /// A form POST to the provider with the test key (its own `_config` and `_authenticate` too).
    @discardableResult
    public func post(_ path: String, _ fields: [String: String]) async throws -> Data {
        var request = HTTPClientRequest(url: apiBase + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer " + Self.secretKey)
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let form = fields.map {
            ($0.key.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") + "="
                + ($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(response.status.code) else {
            throw CocoaError(
                .fileReadUnknown,
                userInfo: [NSLocalizedDescriptionKey: "localstripe answered \(response.status.code) to \(path): \(String(buffer: body))"])
        }
        return Data(buffer: body)
    }
}
