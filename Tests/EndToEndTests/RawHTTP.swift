import Foundation

/// One request written byte for byte on a fresh connection, and the answer read until the
/// server closes or `limit` passes: for requests an HTTP client library would refuse to send
/// (a `%00` or a `..` above the root in the path, a header line of 20 KB).
enum RawHTTP {
    struct Answer: Sendable {
        var status: Int
        /// Header names lowercased.
        var headers: [String: String]
        var body: String
    }

    static func send(_ request: String, port: Int, limit: Duration = .seconds(5)) async throws -> Answer {
        try await withCheckedThrowingContinuation { continuation in
            // Blocking socket calls on a thread of their own, off the cooperative pool.
            Thread.detachNewThread {
                continuation.resume(with: Result { try sendBlocking(Array(request.utf8), port: port, limit: limit) })
            }
        }
    }

    private static func sendBlocking(_ bytes: [UInt8], port: Int, limit: Duration) throws -> Answer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawHTTPError(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: Int(limit.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw RawHTTPError(description: "connect: errno \(errno)") }
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            // The server may answer and close before reading everything (a header too large).
            guard written > 0 else { break }
            sent += written
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { break }
            received += buffer[..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { throw RawHTTPError(description: "no answer: \(text.prefix(200))") }
        let lines = text[..<end.lowerBound].split(separator: "\r\n")
        let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Answer(status: status, headers: headers, body: String(text[end.upperBound...]))
    }
}

/// A raw request that could not be made or answered.
struct RawHTTPError: Error, CustomStringConvertible {
    var description: String
}
