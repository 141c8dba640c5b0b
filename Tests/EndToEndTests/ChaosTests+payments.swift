import Foundation
import Postgres
import PostgresNIO
import TestSupport
import Testing

extension ChaosTests {
    // MARK: The payment provider down

    /// The payment provider (localstripe, started by the test) is SIGKILLed for 8 s and started
    /// again with its state, while 8 clients place orders through nginx with payments on and pay
    /// for each: paying answers 503 problem+json at once meanwhile, and at the end every order a
    /// client was told of is stored once, authorised, moved, and captured once and in full at
    /// the provider; no process died and no answer took longer than the deadline.
    @Test func theStackRidesOutAPaymentProviderOutage() async throws {
        try await LocalStripe.with { provider in
            let settings = [
                "PAYMENTS": "stripe", "STRIPE_API_BASE": provider.apiBase, "STRIPE_SECRET_KEY": LocalStripe.secretKey,
                "STRIPE_WEBHOOK_SECRET": "whsec_chaos",
            ]
            try await Self.withStack(settings: settings) { stack, database in
                let traffic = Traffic(port: stack.port, products: Self.products, pays: true)
                let stop = Shared(false)
                let outage = Shared<(start: Double, end: Double)>((0, 0))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for client in 0..<8 {
                        group.addTask { await traffic.client(client, until: stop) }
                    }
                    group.addTask {
                        defer { stop.update { $0 = true } }
                        try await Task.sleep(for: .seconds(6))
                        let start = Date().timeIntervalSince1970
                        await provider.kill()
                        try await Task.sleep(for: .seconds(8))
                        try await provider.restart()
                        outage.update { $0 = (start, Date().timeIntervalSince1970) }
                        // Steady traffic after the provider is back.
                        try await Task.sleep(for: .seconds(8))
                    }
                    try await group.waitForAll()
                }
                let attempts = traffic.attempts.value
                let window = outage.value
                Self.reportReads(attempts, title: "Orders placed and paid while the payment provider was down for 8 s")
                try await Self.expectEveryOrderOnce(traffic.orders.value, database: database)
                Self.expectWellFormedAnswers(attempts)
                let refused = attempts.filter { $0.kind == "pay" && $0.status == 503 && $0.problem }
                print(
                    String(
                        format: "Payments refused with 503: %d, taking %.2f–%.2f s", refused.count,
                        refused.map { $0.end - $0.start }.min() ?? 0, refused.map { $0.end - $0.start }.max() ?? 0))
                #expect(!refused.isEmpty, "no payment was refused while the provider was down")
                // Refused at once, not held to the request's deadline waiting for a connection
                // (as with AsyncHTTPClient's shared client, which retries connecting: 5.0 s each).
                #expect(refused.allSatisfy { $0.end - $0.start < Self.requestTimeout / 2 }, "payments held while the provider was down")
                #expect(
                    refused.allSatisfy { $0.end >= window.start - 1 && $0.start <= window.end + 3 },
                    "503s to payments outside the outage: \(refused.filter { $0.end < window.start - 1 || $0.start > window.end + 3 }.prefix(3))"
                )
                #expect(attempts.contains { $0.kind == "pay" && $0.status == 200 && $0.start > window.end }, "payments after the outage")
                try await Self.expectEveryPaymentCapturedOnce(provider: provider, database: database)
                let (restarts, traps) = (try Self.restartCounts(stack), try Self.trapCounts(stack))
                #expect(restarts.isEmpty, "processes died: \(restarts); their traps: \(traps)")
                #expect(traps.isEmpty, "processes trapped: \(traps)")
            }
        }
    }

    /// Every order's payment is captured in full (within a minute: captures refused during the
    /// outage wait out their backoff), and the provider holds exactly one captured intent per
    /// order, for the order's amount, which is the intent the payment names.
    static func expectEveryPaymentCapturedOnce(provider: LocalStripe, database: String) async throws {
        try await TestStores.withDatabase(url: database) { client in
            let captured = try await ScaleTests.eventually(within: .seconds(60)) {
                try await ScaleTests.count(
                    client, "SELECT count(*) FROM payments WHERE NOT (status = 'paid' AND captured_amount = amount)") == 0
            }
            let unpaid = try await client.query(
                "SELECT order_id, status::text FROM payments WHERE NOT (status = 'paid' AND captured_amount = amount) LIMIT 5",
                logger: TestStores.logger
            ).map { try $0.decode((UUID, String).self) }
            #expect(captured, "payments not captured in full: \(unpaid)")
            var ours: [String: (intent: String, cents: Int)] = [:]
            for row in try await client.query(
                "SELECT order_id, intent_id, (amount * 100)::int FROM payments", logger: TestStores.logger)
            {
                let (order, intent, cents) = try row.decode((UUID, String?, Int).self)
                ours[order.uuidString.lowercased()] = (intent ?? "", cents)
            }
            var succeeded: [String: [(id: String, amount: Int)]] = [:]
            for intent in try await providerIntents(provider) where intent["status"] as? String == "succeeded" {
                let order = (intent["metadata"] as? [String: String])?["order_id"] ?? "?"
                succeeded[order, default: []].append((intent["id"] as? String ?? "", intent["amount"] as? Int ?? -1))
            }
            let wrong = ours.compactMap { order, payment -> String? in
                let found = succeeded[order] ?? []
                return found.count == 1 && found[0].id == payment.intent && found[0].amount == payment.cents
                    ? nil : "\(order): ours \(payment), the provider's captured \(found)"
            }
            #expect(wrong.isEmpty, "\(wrong.count) of \(ours.count) orders without exactly their one capture: \(wrong.prefix(3))")
            #expect(Set(succeeded.keys).isSubset(of: Set(ours.keys)), "captures at the provider for no order of ours")
        }
    }

    /// Every intent the provider holds, page by page.
    static func providerIntents(_ provider: LocalStripe) async throws -> [[String: Any]] {
        var all: [[String: Any]] = []
        var after: String?
        repeat {
            let page = try await provider.get("/v1/payment_intents?limit=100" + (after.map { "&starting_after=\($0)" } ?? ""))
            let data = page["data"] as? [[String: Any]] ?? []
            all += data
            after = page["has_more"] as? Bool == true ? data.last?["id"] as? String : nil
        } while after != nil
        return all
    }
}
