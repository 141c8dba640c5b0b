import Foundation
import TestSupport
import Testing

@Suite("Process start-up", .timeLimit(.minutes(2)))
struct StartupTests {
    let gateway = ChildProcess.productsDirectory.appendingPathComponent("gateway").path

    @Test func badDatabaseURLExitsWithOneClearLine() async throws {
        let result = try await ChildProcess.run(gateway, [], environment: ["DATABASE_URL": "nonsense", "REDIS_URL": TestStores.redisURL])
        #expect(result.status != 0)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("DATABASE_URL") == true)
    }

    @Test func productionRefusesAShortSecretKey() async throws {
        let result = try await ChildProcess.run(
            gateway, [],
            environment: [
                "DATABASE_URL": TestStores.databaseURL, "REDIS_URL": TestStores.redisURL, "SECRET_KEY": "too-short",
            ])
        #expect(result.status != 0)
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(result.standardError.contains("SECRET_KEY"))
    }
}
