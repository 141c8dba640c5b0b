import Foundation
import Logging
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
            var lastLead = ContinuousClock.now - .seconds(10)
            while !Task.isCancelled {
                do {
                    // The lease is taken or renewed every second and lasts five.
                    if ContinuousClock.now - lastLead >= .seconds(1) {
                        leading = try await dispatcher.lead(owner: owner, lease: .seconds(5), logger: logger)
                        lastLead = .now
                    }
                    if leading, try await dispatcher.hasWork(logger: logger) {
                        while try await dispatcher.step(logger: logger) > 0, !Task.isCancelled {}
                    }
                } catch {
                    leading = false
                    logger.warning("delivery dispatch failed; trying again", metadata: Logger.Metadata.describing(error))
                    try? await Task.sleep(for: .milliseconds(500))
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
