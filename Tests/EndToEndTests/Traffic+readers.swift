import Foundation
import TestSupport

extension Traffic {
    /// What a staff reader asks for, again and again: each answer is many rows read from
    /// Postgres (lists of 100 orders with their lines, every order as CSV, the stats' groups).
    enum Read: String, Sendable, CaseIterable {
        case list
        case export
        case stats

        var path: String {
            switch self {
            case .list: "/api/orders?size=100"
            case .export: "/api/orders/export"
            case .stats: "/api/orders/stats"
            }
        }
    }

    /// One reader's loop until `stop` (through nginx, or straight to the gateway on `port`),
    /// every request recorded; a failed one is followed by a short pause, as a polite client's
    /// retry would be.
    func reader(_ read: Read, token: String, port: Int? = nil, until stop: Shared<Bool>) async {
        var connection = APIConnection(port: port ?? self.port)
        while !stop.value {
            let response = await send(&connection, read.rawValue, .get, read.path, token: token)
            if response == nil || response!.status.code >= 500 { try? await Task.sleep(for: .milliseconds(100)) }
        }
        await connection.close()
    }

    /// CSV exports read by `curl` at `bytesPerSecond`, one after another until `stop`, straight
    /// from the gateway on `gatewayPort` (nginx would take the whole body at once): the gateway
    /// reads the next page of orders while the last one is still being written. Recorded as
    /// `slow-export`; a transfer cut short counts as no answer (status 0).
    func slowExports(gatewayPort: Int, token: String, bytesPerSecond: Int, until stop: Shared<Bool>) async {
        while !stop.value {
            let start = Date().timeIntervalSince1970
            let result = try? await ChildProcess.run(
                "/usr/bin/curl",
                [
                    "--silent", "--output", "/dev/null", "--max-time", "60", "--limit-rate", String(bytesPerSecond),
                    "--header", "Authorization: Bearer \(token)", "--write-out", "%{stderr}%{http_code} %{content_type}",
                    "http://127.0.0.1:\(gatewayPort)\(Read.export.path)",
                ])
            let parts = result?.standardError.split(separator: " ") ?? []
            let complete = result?.status == 0
            let status = complete ? parts.first.flatMap { Int($0) } ?? 0 : 0
            attempts.update {
                $0.append(
                    Attempt(
                        kind: "slow-export", start: start, end: Date().timeIntervalSince1970, status: status,
                        problem: parts.dropFirst().first == "application/problem+json"
                    ))
            }
            if status != 200 { try? await Task.sleep(for: .milliseconds(100)) }
        }
    }
}
