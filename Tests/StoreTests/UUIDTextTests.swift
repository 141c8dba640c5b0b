import Foundation
import Store
import Testing

/// `UUID.lowercasedString` and `UUID(parsing:)` against Foundation's `uuidString` and
/// `UUID(uuidString:)`, which they replace.
@Suite("UUID text", .timeLimit(.minutes(2)))
struct UUIDTextTests {
    // MARK: Writing

    @Test func writesWhatFoundationWritesInLowerCase() {
        var generator = SystemRandomNumberGenerator()
        var samples = [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))]
        samples.append(UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)))
        samples +=
            (0..<2_000).map { _ in UUID() }
            + (0..<100).map { _ in UUIDv7.make(at: Date(timeIntervalSince1970: Double(generator.next() % 4_000_000_000))) }
        for id in samples {
            #expect(id.lowercasedString == id.uuidString.lowercased())
            var bytes = [UInt8](repeating: 0, count: 38)
            bytes.withUnsafeMutableBufferPointer { id.writeLowercased(to: $0.baseAddress! + 1) }
            // The 36 bytes, and nothing written around them.
            #expect(bytes == [0] + Array(id.uuidString.lowercased().utf8) + [0])
        }
    }

    // MARK: Parsing

    @Test func readsEveryCaseOfAUUIDFoundationReads() {
        for id in (0..<1_000).map({ _ in UUID() }) {
            let upper = id.uuidString
            let mixed = String(upper.enumerated().map { $0.offset % 3 == 0 ? Character($0.element.lowercased()) : $0.element })
            for text in [upper, upper.lowercased(), mixed] {
                #expect(UUID(parsing: text) == id)
                #expect(UUID(parsing: text[...]) == UUID(uuidString: text))
            }
        }
    }

    /// Foundation's parser checks the length and then reads each byte with `sscanf("%2hhx")`,
    /// which skips spaces and takes a sign or `0x`: `"6b 7b810-…"` is a UUID to it. The API's
    /// ids are exactly `8-4-4-4-12` hex digits; anything else names no UUID.
    @Test func readsOnlyEightFourFourFourTwelveHexDigits() throws {
        let valid = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
        var texts = ["", "-", valid + "0", String(valid.dropLast()), " " + valid.dropLast(), valid.replacingOccurrences(of: "-", with: "")]
        texts += ["{\(valid.dropFirst().dropLast())}", "0x" + valid.dropFirst(2), "+ba7b810-9dad-11d1-80b4-00c04fd430c8"]
        texts += [
            "6ba7b810-9dad-11d1-80b4-00c04fd430c\u{0}", "6ba7b810-9dad-11d1-80b4-00c04fd430cé",
            "6ba7b810-9dad-11d1-80b4-00c04fd430\u{1F600}",
        ]
        // Every position of a valid UUID replaced by each of these: most make it invalid; a
        // digit where a digit was, or a hyphen where one was, does not.
        let odd: [Character] = ["g", "G", "z", " ", "/", ":", "@", "`", "{", "-", "0", "a", "F", "é", "\u{0}", "\u{7F}"]
        for position in 0..<valid.count {
            for character in odd {
                var characters = Array(valid)
                characters[position] = character
                texts.append(String(characters))
            }
        }
        let grammar = try Regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
        var read = 0
        var refused = 0
        for text in texts {
            if text.wholeMatch(of: grammar) != nil {
                #expect(UUID(parsing: text) == UUID(uuidString: text), "\(text.debugDescription)")
                #expect(UUID(parsing: text) != nil)
                read += 1
            } else {
                #expect(UUID(parsing: text) == nil, "\(text.debugDescription)")
                refused += 1
            }
        }
        #expect(read > 36 && refused > 36 * 10)
    }
}
