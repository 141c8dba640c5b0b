import Foundation
import Store
import Testing

@Suite("UUIDv7", .timeLimit(.minutes(2)))
struct UUIDv7Tests {
    @Test func carriesItsMillisecondVersionAndVariant() {
        let date = Date(timeIntervalSince1970: 1_764_000_000.123)
        let text = UUIDv7.make(at: date).uuidString.lowercased()
        let hex = text.replacingOccurrences(of: "-", with: "")
        #expect(UInt64(hex.prefix(12), radix: 16) == 1_764_000_000_123)
        #expect(Array(hex)[12] == "7")
        #expect("89ab".contains(Array(hex)[16]))
    }

    @Test func isUniqueAndOrderedByTime() {
        let ids = (0..<10_000).map { _ in UUIDv7.make() }
        #expect(Set(ids).count == ids.count)
        let earlier = UUIDv7.make(at: Date(timeIntervalSinceNow: -1)).uuidString
        let later = UUIDv7.make(at: Date(timeIntervalSinceNow: 1)).uuidString
        #expect(earlier < later)
    }
}
