import Foundation
import Testing

@testable import Store

/// `OrderCursor.token`, written without `JSONEncoder`, against the token `JSONEncoder` and
/// Foundation's string replacing made: the same JSON object (`JSONEncoder` orders its keys by a
/// hash, so not the same bytes), read back as it was, and tokens made before still read.
@Suite("Order cursors", .timeLimit(.minutes(2)))
struct OrderCursorTests {
    // MARK: Helpers

    /// The token as it was made before: `JSONEncoder`'s bytes in URL-safe base64, unpadded.
    static func reference(_ cursor: OrderCursor) throws -> String {
        try JSONEncoder().encode(cursor).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// A value of the kind a page's last order gives its sort: microseconds, or an amount.
    static func value(for sort: OrderQuery.Sort, using generator: inout some RandomNumberGenerator) -> String {
        switch sort {
        case .newest, .oldest: String(Int64.random(in: OrderCursor.microsecondRange, using: &generator))
        case .largest, .smallest:
            "\(Int.random(in: 0...9_999_999_999, using: &generator)).\(String(format: "%02d", Int.random(in: 0...99, using: &generator)))"
        }
    }

    /// The JSON object a token carries.
    static func object(_ token: String) throws -> [String: String] {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        let data = try #require(Data(base64Encoded: base64))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
    }

    // MARK: Tests

    @Test func writesWhatJSONEncoderWroteAndReadsItBack() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let sort = OrderQuery.Sort.allCases.randomElement(using: &generator)!
            let cursor = OrderCursor(sort: sort, value: Self.value(for: sort, using: &generator), id: UUID())
            let token = cursor.token
            let reference = try Self.reference(cursor)
            #expect(try Self.object(token) == (try Self.object(reference)), "\(cursor)")
            #expect(OrderCursor(token: token) == cursor, "\(cursor)")
            #expect(OrderCursor(token: reference) == cursor, "a token made before reads as it did: \(cursor)")
        }
    }

    /// Values no page gives, with bytes `JSONEncoder` escapes or might: still its object.
    @Test(arguments: ["a\"b", "a\\b", "1/2", "tab\there", "é", "\u{2028}", "", "-0.5", "<>&'"])
    func valuesThatNeedEscapingAreWrittenAsJSONEncoderWritesThem(value: String) throws {
        let cursor = OrderCursor(sort: .largest, value: value, id: UUID())
        #expect(try Self.object(cursor.token) == (try Self.object(try Self.reference(cursor))))
    }
}
