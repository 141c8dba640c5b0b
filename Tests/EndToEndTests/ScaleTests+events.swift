import Foundation
import HTTPTypes
import Postgres
import PostgresNIO
import TestSupport
import Testing

extension ScaleTests {
    /// Through nginx with two gateways: a staff stream that resumes with `Last-Event-ID` whenever
    /// its stream ends misses no event and sees none twice while `stack.sh restart-gateways`
    /// replaces both gateways under order traffic.
    @Test func eventStreamsSurviveARollingGatewayRestartWithoutAGap() async throws {
        let products = 10
        try await withStores(products: products) { database, redis in
            let stack = LocalStack(
                name: "e2e-events", port: 18_300, workerPort: 19_400, settings: Self.settings(database: database, redis: redis))
            try await stack.with(gateways: 2, workers: 1) {
                var connection = APIConnection(port: stack.port)
                let staff = try await Self.token(&connection, username: Self.adminEmail, password: Self.adminPassword)
                let customer = try await Self.customerToken(&connection, name: "events_\(UUID().uuidString.prefix(6))")
                await connection.close()
                let writing = Shared(true)
                let seen = Shared<[Int64]>([])
                let ends = Shared<[String]>([])
                let watching = Shared(false)
                let restartDone = Shared(false)

                try await withThrowingTaskGroup(of: Void.self) { group in
                    // The watcher: one stream at a time, resumed after the last id it saw.
                    group.addTask {
                        var last: Int64?
                        while writing.value || seen.value.count < 5 {
                            var headers = ["Authorization": "Bearer \(staff)"]
                            if let last { headers["Last-Event-ID"] = String(last) }
                            let client = try await EventStreamClient.open(
                                port: stack.port, path: "/api/events/stream", headers: headers)
                            var handled = 0
                            if last == nil {
                                let head = await client.wait(timeout: .seconds(5)) { !$0.isEmpty }
                                try #require(head.first == .status(200), "the first stream opened: \(head)")
                                watching.update { $0 = true }
                            }
                            while !client.ended {
                                let items = await client.wait(timeout: .milliseconds(200)) { _ in false }
                                let events = EventStreamClient.events(items)
                                for event in events.dropFirst(handled) {
                                    if let id = event.id.flatMap({ Int64($0) }) {
                                        seen.update { $0.append(id) }
                                        last = id
                                    } else if event.name == "stream.end" {
                                        ends.update { $0.append(event.data) }
                                    }
                                }
                                handled = events.count
                                if !writing.value, seen.value.count >= 5 { break }
                            }
                            await client.close()
                            try await Task.sleep(for: .milliseconds(100))
                        }
                    }
                    // The writer: orders all along; the restart in the middle.
                    group.addTask {
                        while !watching.value { try await Task.sleep(for: .milliseconds(20)) }
                        var connection = APIConnection(port: stack.port)
                        var headers = HTTPFields()
                        let restart = Task {
                            defer { restartDone.update { $0 = true } }
                            try await Task.sleep(for: .milliseconds(500))
                            try await stack.run("restart-gateways")
                        }
                        let deadline = ContinuousClock.now + .seconds(60)
                        while ContinuousClock.now < deadline, !restartDone.value {
                            headers[HTTPField.Name("Idempotency-Key")!] = UUID().uuidString
                            _ = try? await connection.send(
                                .post, "/api/orders", token: customer, json: Self.orderBody(products: products), headers: headers)
                            try await Task.sleep(for: .milliseconds(20))
                        }
                        // A little more traffic after the restart, then stop.
                        for _ in 0..<20 {
                            headers[HTTPField.Name("Idempotency-Key")!] = UUID().uuidString
                            _ = try? await connection.send(
                                .post, "/api/orders", token: customer, json: Self.orderBody(products: products), headers: headers)
                        }
                        await connection.close()
                        try await restart.value
                        try await Task.sleep(for: .seconds(3))
                        writing.update { $0 = false }
                    }
                    try await group.waitForAll()
                }

                let expected = try await TestStores.withDatabase(url: database) { client in
                    try await client.query("SELECT position FROM order_events WHERE position IS NOT NULL ORDER BY position", logger: logger)
                        .map { try $0.decode(Int64.self) }
                }
                let got = seen.value
                #expect(got.count > 20, "the watcher saw \(got.count) events")
                let missing = Set(expected).subtracting(got).sorted().prefix(10)
                #expect(
                    got == expected,
                    "seen \(got.count), Postgres \(expected.count); missing \(missing); twice \(got.count - Set(got).count)")
                let shutdowns = ends.value
                #expect(
                    !shutdowns.isEmpty && shutdowns.allSatisfy { $0.contains("shutdown") }, "streams ended by the restart: \(shutdowns)")
            }
        }
    }
}
