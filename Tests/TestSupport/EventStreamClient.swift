import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A Server-Sent Events client over a plain socket, for tests of the live stream: one HTTP/1.1
/// request, and what arrives parsed (chunked or not). It has ended when the response did.
/// `reading: false` opens it with reading off and a tiny receive buffer: a client that reads
/// nothing, until ``startReading()``.
public final class EventStreamClient: Sendable {
    /// What arrived, in order.
    public enum Item: Sendable, Equatable {
        case status(Int)
        case event(id: String?, name: String, data: String)
        case comment(String)
    }

    let channel: any Channel
    let received: Received

    /// Everything that arrived so far, and whether the connection has ended.
    final class Received: Sendable {
        let state = Mutex<(items: [Item], ended: Bool)>(([], false))
    }

    private init(channel: any Channel, received: Received) {
        self.channel = channel
        self.received = received
    }

    public static func open(
        host: String = "127.0.0.1", port: Int, path: String, headers: [String: String] = [:], reading: Bool = true
    ) async throws -> EventStreamClient {
        let received = Received()
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Parser(received)) }
            }
        if !reading {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: 2048).channelOption(.autoRead, value: false)
        }
        let channel = try await bootstrap.connect(host: host, port: port).get()
        var request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nAccept: text/event-stream\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        try await channel.writeAndFlush(ByteBuffer(string: request + "\r\n")).get()
        return EventStreamClient(channel: channel, received: received)
    }

    /// Turns reading on for a client opened with `reading: false`.
    public func startReading() {
        channel.eventLoop.execute {
            _ = self.channel.setOption(.autoRead, value: true)
            self.channel.read()
        }
    }

    /// Waits up to `timeout` until `done` holds for what arrived (or the stream ends), and
    /// returns everything that arrived.
    @discardableResult
    public func wait(timeout: Duration, until done: ([Item]) -> Bool = { _ in false }) async -> [Item] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (items, ended) = received.state.withLock { ($0.items, $0.ended) }
            if done(items) || ended || ContinuousClock.now >= deadline { return items }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits until `count` events have arrived (or the stream ends, or `timeout`); returns the events.
    public func events(count: Int, timeout: Duration = .seconds(20)) async -> [(id: String?, name: String, data: String)] {
        Self.events(await wait(timeout: timeout) { Self.events($0).count >= count })
    }

    /// Whether the stream has ended (the server closed it).
    public var ended: Bool { received.state.withLock { $0.ended } }

    /// The events among `items`.
    public static func events(_ items: [Item]) -> [(id: String?, name: String, data: String)] {
        items.compactMap { item in
            if case .event(let id, let name, let data) = item { return (id, name, data) }
            return nil
        }
    }

    public func close() async {
        try? await channel.close()
    }

    /// Splits the bytes into the status line, then (through the chunked framing) events and comments.
    final class Parser: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: Received
        // Touched on the channel's event loop only.
        nonisolated(unsafe) var raw: [UInt8] = []
        nonisolated(unsafe) var body: [UInt8] = []
        nonisolated(unsafe) var inBody = false
        nonisolated(unsafe) var chunked = false

        init(_ received: Received) {
            self.received = received
        }

        func add(_ item: Item) {
            received.state.withLock { $0.items.append(item) }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            raw += buffer.readBytes(length: buffer.readableBytes) ?? []
            if !inBody {
                guard let end = Self.find([13, 10, 13, 10], in: raw) else { return }
                let head = String(decoding: raw[..<end], as: UTF8.self)
                let code = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
                chunked = head.lowercased().contains("transfer-encoding: chunked")
                add(.status(code))
                raw = Array(raw[(end + 4)...])
                inBody = true
            }
            if chunked {
                // size in hex CRLF, bytes, CRLF; a size of 0 ends the body.
                while let lineEnd = Self.find([13, 10], in: raw) {
                    let size = Int(String(decoding: raw[..<lineEnd], as: UTF8.self).split(separator: ";").first ?? "", radix: 16) ?? 0
                    if size == 0 {
                        received.state.withLock { $0.ended = true }
                        raw = []
                        break
                    }
                    guard raw.count >= lineEnd + 2 + size + 2 else { break }
                    body += raw[(lineEnd + 2)..<(lineEnd + 2 + size)]
                    raw = Array(raw[(lineEnd + 2 + size + 2)...])
                }
            } else {
                body += raw
                raw = []
            }
            while let end = Self.find([10, 10], in: body) {
                let block = String(decoding: body[..<end], as: UTF8.self)
                body = Array(body[(end + 2)...])
                var id: String?
                var name = "message"
                var data: [Substring] = []
                var comment: String?
                for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix(":") {
                        comment = String(line.dropFirst().drop { $0 == " " })
                    } else if line.hasPrefix("id: ") {
                        id = String(line.dropFirst(4))
                    } else if line.hasPrefix("event: ") {
                        name = String(line.dropFirst(7))
                    } else if line.hasPrefix("data: ") {
                        data.append(line.dropFirst(6))
                    }
                }
                if !data.isEmpty {
                    add(.event(id: id, name: name, data: data.joined(separator: "\n")))
                } else if let comment {
                    add(.comment(comment))
                }
            }
        }

        static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
            guard bytes.count >= needle.count else { return nil }
            for index in 0...(bytes.count - needle.count) where bytes[index] == needle[0] {
                if Array(bytes[index..<(index + needle.count)]) == needle { return index }
            }
            return nil
        }

        func channelInactive(context: ChannelHandlerContext) {
            received.state.withLock { $0.ended = true }
            context.fireChannelInactive()
        }
    }
}
