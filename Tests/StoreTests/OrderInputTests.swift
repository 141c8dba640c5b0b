import Crypto
import Foundation
import Testing

@testable import Store

/// An order's checks and its replay hash, which orders keep: the hash's bytes may never change.
@Suite("Order input")
struct OrderInputTests {
    let customer = Actor(id: UUID(), role: .customer)

    func input(name: String = "Ada", email: String = "ada@example.com", phone: String? = nil, notes: String? = nil) -> OrderInput {
        OrderInput(
            customerName: name, customerEmail: email, customerPhone: phone, shippingAddress: "1 Loop Road",
            notes: notes, lines: [(sku: "SKU-B", quantity: 2), (sku: "SKU-A", quantity: 1), (sku: "SKU-B", quantity: 3)])
    }

    // MARK: The replay hash

    /// The text the hash was first defined over: the fields joined as one `String`.
    func joinedHash(_ input: OrderInput, _ lines: [(sku: String, quantity: Int)]) -> [UInt8] {
        var text = [input.customerName, input.customerEmail, input.customerPhone ?? "\u{0}", input.shippingAddress, input.notes ?? "\u{0}"]
            .joined(separator: "\u{1F}")
        for line in lines { text += "\u{1E}\(line.sku)\u{1F}\(line.quantity)" }
        return Array(SHA256.hash(data: Array(text.utf8)))
    }

    @Test(
        arguments: [
            (nil, nil), ("+44 20 7946 0000", "leave at the door"), ("", ""), ("☎︎ 1", "Größe: ½, é\u{301}"),
        ] as [(String?, String?)])
    func theHashIsTheJoinedTextsHash(phone: String?, notes: String?) throws {
        let order = input(name: "Zoë Ünal", phone: phone, notes: notes)
        let placed = try order.newOrder(for: customer, idempotencyKey: "key-1")
        #expect(placed.lines.map(\.sku) == ["SKU-A", "SKU-B"] && placed.lines.map(\.quantity) == [1, 5])
        #expect(placed.requestHash == joinedHash(order, placed.lines))
        #expect(try order.newOrder(for: customer, idempotencyKey: nil).requestHash == nil, "no key, no hash")
    }

    // MARK: Checks

    @Test func everyASCIIByteInAnEmailIsJudgedAsUnicodeJudgesIt() {
        for byte in UInt8(0)..<0x80 {
            let character = Character(Unicode.Scalar(byte))
            let email = "a\(character)b@example.com"
            var validator = InputValidator()
            validator.email(email)
            let blank = character.isWhitespace || character.isNewline
            #expect(validator.problems.isEmpty == (!blank && byte != UInt8(ascii: "@")), "byte \(byte)")
        }
        var crlf = InputValidator()
        crlf.email("a\r\nb@example.com")
        #expect(!crlf.problems.isEmpty)
    }

    @Test func nonASCIIEmailsKeepTheirUnicodeChecks() {
        let cases: [(String, Bool)] = [
            ("zoë@example.com", true), ("a\u{2003}b@example.com", false), ("a\u{85}b@example.com", false),
            // Lower-cased, "İ" is two code points: 60 of them and a 140-character domain pass 254 only so.
            ("\(String(repeating: "İ", count: 60))@\(String(repeating: "d", count: 136)).com", false),
            ("\(String(repeating: "é", count: 60))@\(String(repeating: "d", count: 136)).com", true),
        ]
        for (email, valid) in cases {
            var validator = InputValidator()
            validator.email(email)
            #expect(validator.problems.isEmpty == valid, "\(email)")
        }
    }

    @Test func everyProblemIsNamedWithItsMessage() {
        let order = OrderInput(
            customerName: "", customerEmail: "nobody", customerPhone: String(repeating: "9", count: 33), shippingAddress: "x",
            notes: nil, lines: [(sku: "", quantity: 0), (sku: "OK", quantity: 1)])
        #expect {
            try order.newOrder(for: customer, idempotencyKey: "")
        } throws: { error in
            guard let invalid = error as? InvalidInput else { return false }
            let named = Dictionary(invalid.fields.map { ($0.field, $0.message) }, uniquingKeysWith: { first, _ in first })
            return named == [
                "Idempotency-Key": "must be 1 to 255 characters", "customer_name": "must be 1 to 100 characters",
                "customer_email": "must be a valid email address", "customer_phone": "must be 0 to 32 characters",
                "items[0].product_sku": "must be 1 to 64 characters", "items[0].quantity": "must be between 1 and 1000",
            ]
        }
    }
}
