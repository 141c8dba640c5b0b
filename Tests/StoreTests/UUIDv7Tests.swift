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

@Suite("Random UUIDs", .timeLimit(.minutes(2)))
struct RandomUUIDTests {
    @Test func areVersionFourOfTheRFCVariantAndUnique() {
        let ids = (0..<10_000).map { _ in UUID.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(100) {
            let bytes = id.uuid
            #expect(bytes.6 >> 4 == 4, "\(id)")
            #expect(bytes.8 >> 6 == 0b10, "\(id)")
        }
        // Every other bit is random: across many ids each of the 122 takes both values.
        var ones = [Int](repeating: 0, count: 128)
        for id in ids {
            withUnsafeBytes(of: id.uuid) { bytes in
                for bit in 0..<128 where bytes[bit / 8] & (0x80 >> UInt8(bit % 8)) != 0 { ones[bit] += 1 }
            }
        }
        let fixed: Set<Int> = [48, 49, 50, 51, 64, 65]
        for bit in 0..<128 where !fixed.contains(bit) {
            #expect((4_500...5_500).contains(ones[bit]), "bit \(bit) set in \(ones[bit]) of 10,000")
        }
    }
}
