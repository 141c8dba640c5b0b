import Foundation
import Postgres
import PostgresNIO
import Store
import TestSupport
import Testing

/// The chaos run's deliveries: a webhook receiver (`standardwebhooks` verifies every signature)
/// subscribed to every event type, and the mail sink as `SMTP_URL`. After all the faults, every
/// event of every order reached both: none lost; repeats are counted and printed.
extension ChaosTests {
    /// The peers the stack delivers to, and the endpoint's secret the receiver verifies with.
    struct DeliveryPeers: Sendable {
        var receiver: WebhookReceiver
        var sink: MailSink
        var secret: String
    }

    /// Runs `body` with a receiver and a mail sink on loopback; the receiver answers 200.
    static func withDeliveryPeers(_ body: (DeliveryPeers) async throws -> Void) async throws {
        try await WebhookReceiver.with { receiver in
            try await MailSink.with { sink in
                let secret = WebhookSecret.generate()
                try await receiver.script(secrets: [secret.text])
                try await body(DeliveryPeers(receiver: receiver, sink: sink, secret: secret.text))
            }
        }
    }

    /// What the stack needs to deliver to `peers`: the sink as its mail server, loopback allowed
    /// for webhooks, and retries seconds apart (Standard Webhooks' own wait minutes). Deliveries
    /// run in a worker of their own (`worker-3`), as operators scale them apart from transitions:
    /// on this 2-core machine's debug build, a worker doing both held a batch of transitions for
    /// half a second under the delivery load, late by a second when it was then killed.
    static func deliverySettings(_ peers: DeliveryPeers) -> [String: String] {
        [
            "SMTP_URL": peers.sink.url, "SMTP_FROM": "orders@chaos.localhost", "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
            "WEBHOOK_RETRY_SCHEDULE": "0,1,2,3,5,5,5,5,5,5", "JOB_KINDS": "transition", "WORKER_3_JOB_KINDS": "webhook,email",
        ]
    }

    /// Subscribes the receiver to every event type (before the stack starts).
    static func subscribe(_ peers: DeliveryPeers, _ client: Database) async throws {
        let now = Date()
        _ = try await WebhookEndpointStore(database: client).create(
            WebhookEndpoint(
                id: UUIDv7.make(), url: peers.receiver.url("/chaos"), eventTypes: WebhookEndpoint.knownEventTypes, active: true,
                description: "chaos receiver", createdAt: now, updatedAt: now),
            secret: WebhookSecret(peers.secret)!, logger: TestStores.logger)
    }

    /// Every event reached the receiver, verified, and every event a customer is told of reached
    /// the sink (the ledger agrees: nothing owed, nothing dead); prints the repeats.
    static func expectEveryEventDelivered(
        _ peers: DeliveryPeers, stack: LocalStack, database: String, windows: [Window]
    ) async throws {
        try await TestStores.withDatabase(url: database) { client in
            func settled(_ kind: String) async throws -> Bool {
                try await ScaleTests.eventually(within: .seconds(120)) {
                    let unpositioned = try await ScaleTests.count(client, "SELECT count(*) FROM order_events WHERE position IS NULL")
                    let undispatched = try await ScaleTests.count(
                        client,
                        "SELECT count(*) FROM order_events WHERE position > (SELECT position FROM delivery_dispatch WHERE name = 'events')")
                    let owed = try await ScaleTests.count(
                        client, "SELECT count(*) FROM deliveries WHERE state <> 'delivered' AND kind = \(kind)")
                    return unpositioned + undispatched + owed == 0
                }
            }
            let webhooksSettled = try await settled("webhook")
            let emailsSettled = try await settled("email")
            let states = try await client.query(
                "SELECT kind, state, count(*)::int8 FROM deliveries GROUP BY kind, state", logger: TestStores.logger
            ).map { try $0.decode((String, String, Int64).self) }
            #expect(webhooksSettled, "every webhook delivered within 120 s of the last fault: \(states)")
            if !webhooksSettled || !emailsSettled {
                try await describeOwed(client, windows: windows)
                try await dumpThreads(of: "worker-3", in: stack)
            }
            let events = Set(try await positions(client, "SELECT position FROM order_events"))
            let notified = Set(
                try await positions(
                    client,
                    """
                    SELECT e.position FROM order_events e JOIN orders o ON o.id = e.order_id JOIN users u ON u.id = o.user_id
                    WHERE e.kind = 'transition'
                      AND (e.from_status IS NULL OR e.to_status = 'cancelled'
                           OR (u.email_notifications AND e.to_status IN ('processing', 'shipped', 'delivered')))
                    """))

            let received = try await peers.receiver.received()
            let unverified = received.filter { !$0.verified }
            #expect(unverified.isEmpty, "deliveries the receiver could not verify: \(unverified.prefix(3).map { $0.error ?? "" })")
            let hooked = Set(received.compactMap { $0.eventID.flatMap(Int64.init) })
            let everyHook = hooked == events
            #expect(
                everyHook,
                "webhooks: \(events.subtracting(hooked).count) of \(events.count) events never arrived, \(hooked.subtracting(events).count) unknown"
            )
            let mails = try peers.sink.messages()
            // Message-ID: <position>.<recipient's hash>@<domain>
            let mailed = Set(mails.compactMap { $0.messageID.drop { $0 == "<" }.split(separator: ".").first.flatMap { Int64($0) } })
            // Emails once stayed owed here in 7 of 12 runs: a delivery cost six round trips and
            // an email batch went out one message at a time (the delivering worker kept up with
            // a quarter of the events), and an early job was acked before it was enqueued again.
            #expect(emailsSettled, "every email accepted within 120 s of the webhooks: \(states)")
            #expect(
                mailed == notified,
                "emails: \(notified.subtracting(mailed).count) of \(notified.count) never arrived, \(mailed.subtracting(notified).count) unexpected"
            )
            #expect(mailed.isSubset(of: notified), "no email for an event that owes none")
            print(
                """

                Deliveries after the faults: \(events.count) events, \(received.count) webhook requests \
                (\(received.count - Set(received.compactMap(\.id)).count) repeats of a webhook-id), \(notified.count) emails owed, \
                \(mails.count) accepted (\(mails.count - Set(mails.map(\.messageID)).count) repeats of a Message-ID)

                """)
        }
    }

    /// Prints what the ledger still owes (the first 20) beside the faults and what Redis holds
    /// of each: the clues to a delivery that was never made.
    static func describeOwed(_ client: Database, windows: [Window]) async throws {
        let rows = try await client.query(
            """
            SELECT id, kind, state, attempts, extract(epoch FROM created_at)::float8, extract(epoch FROM attempted_at)::float8,
                   coalesce(last_error, '')
            FROM deliveries WHERE state <> 'delivered' ORDER BY created_at LIMIT 20
            """, logger: TestStores.logger)
        var lines = windows.map { String(format: "fault %@ at %.3f–%.3f", $0.fault.name, $0.start, $0.end) }
        for row in rows {
            let (id, kind, state, attempts, created, attempted, error) = try row.decode(
                (UUID, String, String, Int, Double, Double?, String).self)
            let member = id.uuidString.lowercased()
            let partition = JobQueueKeys.partition(of: member, among: JobPartitions.count)
            var redis: [String] = []
            for (command, key) in [("ZSCORE", "scheduled"), ("ZSCORE", "inflight"), ("ZSCORE", "dead")] {
                // ChildProcess keeps standard error only.
                let answer = try await ChildProcess.run(
                    "/bin/sh", ["-c", "/usr/bin/redis-cli -p \(redisPort) \(command) 'jobs:{\(kind):\(partition)}:\(key)' \(member) >&2"])
                redis.append("\(key)=\(answer.standardError.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            lines.append(
                String(
                    format: "%@ %@ %@ attempts %d created %.3f attempted %.3f %@ redis: %@", member, kind, state, attempts, created,
                    attempted ?? 0, error, redis.joined(separator: " ")))
        }
        print("Owed after the run:\n" + lines.joined(separator: "\n"))
    }

    /// Writes each thread's CPU over 2 s and every thread's backtrace of `process` (gdb, attached
    /// for a moment) to its log folder, and prints where, with the frames of this project's modules.
    static func dumpThreads(of process: String, in stack: LocalStack) async throws {
        let file = LocalStack.root.appendingPathComponent(".data/\(stack.name)/logs/\(process).backtraces").path
        let pid = try stack.pid(of: process)
        _ = try await ChildProcess.run(
            "/bin/sh",
            [
                "-c",
                "{ top -H -b -n 2 -d 2 -p \(pid) | tail -n 12; gdb -p \(pid) -batch -ex 'thread apply all bt 40'; } > \(file) 2>&1",
            ])
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        // Each thread's CPU (a thread spinning shows), then the frames of this project's modules.
        let ours = text.split(separator: "\n").filter { line in
            ["Jobs", "Store", "SMTP", "Redis", "Postgres", "ProcessSupport", "Thread ", "NIO", "PID USER", "worker"].contains {
                line.contains($0)
            }
        }
        print("Threads of \(process) (pid \(pid)) in \(file):\n" + ours.prefix(80).joined(separator: "\n"))
    }

    /// The positions a query returns.
    static func positions(_ client: Database, _ query: PostgresQuery) async throws -> [Int64] {
        var positions: [Int64] = []
        for row in try await client.query(query, logger: TestStores.logger) { positions.append(try row.decode(Int64.self)) }
        return positions
    }
}
