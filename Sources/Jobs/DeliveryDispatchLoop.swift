import Foundation
import Logging
import ProcessSupport
import ServiceLifecycle
import Store
import StoreClients

/// Runs the delivery dispatcher in a worker that delivers (webhooks or email): while this
/// process holds the dispatcher's lease it looks for new events every `interval`, so an event is
/// delivered within about that much of its commit.
struct DeliveryDispatchLoop: Service {
    let dispatcher: DeliveryDispatcher
    let owner: String
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var leading = false
            // Whether committed deliveries may lack their jobs: at start and on taking the lease
            // (the last leader may have died between its commit and its enqueue), and after any
            // failed step (a commit whose answer was lost, an enqueue that did not happen).
            var unsure = true
            var lastLead = ContinuousClock.now - .seconds(10)
            while !Task.isCancelled {
                do {
                    // The lease is taken or renewed every second and lasts five.
                    if ContinuousClock.now - lastLead >= .seconds(1) {
                        let was = leading
                        leading = try await StoreCall.bounded {
                            try await dispatcher.lead(owner: owner, lease: .seconds(5), logger: logger)
                        }
                        if leading, !was { unsure = true }
                        lastLead = .now
                    }
                    if leading, unsure {
                        try await StoreCall.bounded { try await dispatcher.enqueueOwed(logger: logger) }
                        unsure = false
                    }
                    if leading, try await StoreCall.bounded({ try await dispatcher.hasWork(logger: logger) }) {
                        while try await StoreCall.bounded({ try await dispatcher.step(logger: logger) }) > 0, !Task.isCancelled {}
                    }
                } catch {
                    leading = false
                    unsure = true
                    logger.warning("delivery dispatch failed; trying again", metadata: Logger.Metadata.describing(error))
                    try? await Task.sleep(for: .milliseconds(500))
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
