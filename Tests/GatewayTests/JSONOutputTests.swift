import Foundation
import Hummingbird
import NIOCore
import OrderJSON
import ProcessSupport
import Testing

@testable import Gateway
@testable import Postgres
@testable import Store

/// The hot answers written by `JSONOutput` and the arithmetic `DisplayTime` say what
/// `JSONEncoder` and `Date.ISO8601FormatStyle` say, on random values (a fixed seed per test, so a
/// failure repeats).
@Suite("JSON output")
struct JSONOutputTests {
    // MARK: Strings, byte for byte

    @Test func stringsAreEscapedAsJSONEncoderEscapesThem() throws {
        var random = SeededRandom(seed: 1)
        let alphabet: [Character] =
            (0..<0x80).map { Character(Unicode.Scalar(UInt8($0))) } + ["é", "ß", "€", "\u{2028}", "\u{2029}", "\u{FEFF}", "😀", "👩‍👩‍👧", "/"]
        var samples = alphabet.map { String($0) } + ["", "plain", "a/b\\c\"d", "line\nbreak\r\n\ttab"]
        for _ in 0..<2_000 {
            samples.append(String((0..<Int.random(in: 0...24, using: &random)).map { _ in alphabet.randomElement(using: &random)! }))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        for sample in samples {
            var out = JSONOutput()
            out.beginArray()
            out.string(sample)
            out.string(nil)
            out.endArray()
            let expected = String(decoding: try encoder.encode([sample, nil]), as: UTF8.self)
            #expect(String(buffer: out.buffer) == expected, "\(Array(sample.unicodeScalars))")
        }
    }

    // MARK: Orders and pages, member for member

    @Test func ordersReadAsTheirEncodableForm() throws {
        var random = SeededRandom(seed: 2)
        let time = DisplayTime(timeZone: TimeZone(identifier: "Asia/Kolkata")!)
        for _ in 0..<500 {
            let order = Self.order(using: &random)
            let viewer = Bool.random(using: &random) ? order.userID : UUID()
            let response = OrderResponse(order: order, time: time, viewer: viewer)
            var out = JSONOutput()
            response.write(to: &out)
            #expect(try Self.parsed(Data(buffer: out.buffer)) == Self.parsed(try Self.encoder.encode(response)))
        }
    }

    @Test func pagesOfOrdersReadAsTheirEncodableForm() throws {
        var random = SeededRandom(seed: 3)
        let time = DisplayTime(timeZone: TimeZone(identifier: "UTC")!)
        for count in [0, 1, 3, 20] {
            let orders = (0..<count).map { _ in OrderResponse(order: Self.order(using: &random), time: time) }
            let total: Int? = Bool.random(using: &random) ? count * 7 : nil
            let page = Paginated(
                items: orders, total: total, pagination: Pagination(page: 2, size: 20),
                nextCursor: total == nil ? "cursor/\(count)\"x" : nil)
            var out = JSONOutput()
            page.write(to: &out)
            #expect(try Self.parsed(Data(buffer: out.buffer)) == Self.parsed(try Self.encoder.encode(page)))
        }
    }

    // MARK: Times, character for character

    @Test func displayTimeWritesWhatTheFormatStyleWrites() {
        var random = SeededRandom(seed: 5)
        // Fixed zones, zones with summer time (half-hour and 45-minute offsets among them), and
        // Kathmandu, whose standard offset itself moved in 1986.
        let zones = [
            "UTC", "Asia/Kolkata", "America/New_York", "Europe/London", "Australia/Lord_Howe", "America/St_Johns",
            "Pacific/Chatham", "Asia/Kathmandu", "Pacific/Kiritimati", "America/Sao_Paulo",
        ]
        for zone in zones {
            let timeZone = TimeZone(identifier: zone)!
            let display = DisplayTime(timeZone: timeZone)
            let style = Date.ISO8601FormatStyle(timeZone: timeZone).year().month().day().time(includingFractionalSeconds: true)
                .timeZone(separator: .colon)
            var instants = [0, -0.001, 0.999, 1e9 + 0.5, 1_767_225_599.9995, -86_400 * 365.25 * 60].map(Date.init(timeIntervalSince1970:))
            for _ in 0..<1_000 {
                instants.append(Date(timeIntervalSince1970: Double.random(in: -2e9...5e9, using: &random)))
            }
            for instant in instants {
                #expect(display.string(from: instant) == instant.formatted(style), "\(zone) \(instant.timeIntervalSince1970)")
            }
        }
    }

    // MARK: Money, character for character

    @Test func moneyTextIsTheRoundedNumbersTextWithTwoPlaces() {
        var random = SeededRandom(seed: 7)
        /// The text `moneyString` wrote until it read the digits as an integer: the rounded
        /// number's `description`, padded to two places.
        func byDescription(_ amount: Decimal) -> String {
            var value = amount
            var rounded = Decimal()
            NSDecimalRound(&rounded, &value, 2, .bankers)
            let parts = rounded.description.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            let fraction = parts.count == 2 ? String(parts[1].prefix(2)) : ""
            return parts[0] + "." + fraction + String(repeating: "0", count: 2 - fraction.count)
        }
        var amounts = [
            "0", "5", "0.1", "1299.99", "-12.5", "0.005", "0.015", "-0.005", "9999999999.995", "1E+5",
            "92233720368547758.07", "92233720368547758.08", "-92233720368547758.08", "123456789012345678901.5", "9E+16",
            "5E+17", "-1E+18", "12345E+15", "1E-30", "-5E-21", "18446744073709551615E-21", "18446744073709551615E-19",
            "0.0050000000000000000001", "1E+17", "1E+19", "-0.0151",
        ].map { Decimal(string: $0)! }
        for round in 0..<20_000 {
            let limit: UInt64 = round.isMultiple(of: 3) ? .max : 10_000_000_000_000
            // Every tenth amount with an exponent beyond what the others take.
            let exponents = round.isMultiple(of: 10) ? -25...21 : -8...8
            amounts.append(
                Decimal(
                    sign: Bool.random(using: &random) ? .minus : .plus, exponent: Int.random(in: exponents, using: &random),
                    significand: Decimal(UInt64.random(in: 0...limit, using: &random))))
        }
        // Sums and products, whose significands arithmetic leaves unreduced.
        for _ in 0..<2_000 {
            let a = Decimal(UInt64.random(in: 0...1_000_000_000, using: &random)) / 100
            let b = Decimal(UInt64.random(in: 0...1_000_000, using: &random)) / 1000
            amounts += [a + b, a * b, a - b, a * 3 / 7]
        }
        for amount in amounts {
            #expect(amount.moneyString == byDescription(amount), "\(amount)")
        }
        #expect(Decimal(string: "-0.001")!.moneyString == "0.00", "no sign on a zero")
        #expect(Decimal(string: "0.125")!.moneyString == "0.12", "half to even")
    }

    @Test func aDecimalsPartsReadFromItsBytesAreThePublicOnes() {
        // The reading must hold on this platform, or amounts would all take the slow path.
        #expect(Decimal.bytesReadable)
        var random = SeededRandom(seed: 8)
        var values: [Decimal] = [0, -0, .nan, Decimal(UInt64.max), -Decimal(UInt64(1) << 63), Decimal(string: "1E-128")!]
        for _ in 0..<5_000 {
            let bits = Int.random(in: 0...64, using: &random)
            let significand =
                bits == 64
                ? UInt64.random(in: 0...(UInt64(1) << 63), using: &random) : UInt64.random(in: 0...(UInt64(1) << bits), using: &random)
            values.append(
                Decimal(
                    sign: Bool.random(using: &random) ? .minus : .plus, exponent: Int.random(in: -40...40, using: &random),
                    significand: Decimal(significand)))
            values.append(Decimal(significand) * Decimal(significand) / 7)
        }
        var read = 0
        for value in values {
            let bytes = value.partsFromBytes.map { "\($0)" }
            if let number = value.partsFromNumber.map({ "\($0)" }) {
                #expect(bytes == number, "\(value)")
                read += 1
            } else {
                // The public path stops short of 2^64 (through a `Double`): past it, or past 64
                // bits, only the bytes may say more.
                #expect(value.partsFromBytes.map { $0.significand >= 18_000_000_000_000_000_000 } ?? true, "\(value)")
            }
        }
        #expect(read > 5_000)
    }

    // MARK: Helpers

    static let encoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }()

    static func parsed(_ data: Data) throws -> NSObject {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSObject)
    }

    static func order(using random: inout SeededRandom) -> Order {
        func text(_ length: ClosedRange<Int>) -> String {
            let characters = Array("abcXYZ 019-/\\\"'\n\té€😀")
            return String((0..<Int.random(in: length, using: &random)).map { _ in characters.randomElement(using: &random)! })
        }
        func money() -> Decimal { Decimal(Int.random(in: 0...10_000_000, using: &random)) / 100 }
        func date() -> Date {
            Date(timeIntervalSince1970: Double(Int64.random(in: 1_600_000_000_000...1_900_000_000_000, using: &random)) / 1000)
        }
        let items = (0..<Int.random(in: 1...5, using: &random)).map { _ in
            OrderItem(
                id: UUID(), productID: UUID(), productSKU: text(1...12), productName: text(1...30),
                productDescription: Bool.random(using: &random) ? text(0...40) : nil, quantity: Int.random(in: 1...1000, using: &random),
                unitPrice: money(), totalPrice: money())
        }
        let status = PaymentStatus.allCases.randomElement(using: &random)!
        let actions = [
            nil, #"{"type":"redirect_to_url","redirect_to_url":{"url":"https://bank.example/3ds?a=1&b=/x"}}"#,
            #"{"type":"use_stripe_sdk"}"#, #"{"type":"redirect_to_url","redirect_to_url":{}}"#, "not json",
        ]
        let payment =
            Bool.random(using: &random)
            ? Payment(
                orderID: UUID(), provider: "stripe", status: status, intentID: Bool.random(using: &random) ? "pi_\(text(1...8))" : nil,
                amount: money(), currency: "EUR", capturedAmount: money(), refundedAmount: money(), refundingAmount: 0,
                clientSecret: Bool.random(using: &random) ? "pi_secret_\(text(1...8))" : nil,
                nextAction: actions.randomElement(using: &random)!, lastError: nil, createdAt: date(), updatedAt: date())
            : nil
        return Order(
            id: UUID(), userID: UUID(), customerName: text(1...40), customerEmail: "\(text(1...10))@example.com",
            customerPhone: Bool.random(using: &random) ? text(5...15) : nil, shippingAddress: text(1...80),
            notes: Bool.random(using: &random) ? text(0...100) : nil, status: OrderStatus.allCases.randomElement(using: &random)!,
            totalAmount: money(), currency: "INR", trackingNumber: Bool.random(using: &random) ? text(1...20) : nil, items: items,
            createdAt: date(), updatedAt: date(), autoProcessAt: date(), cancellableUntil: date(), payment: payment)
    }
}

/// A small deterministic generator (SplitMix64), so a failing sample repeats.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_38B7_0AA0_1533
        return z ^ (z >> 31)
    }
}
