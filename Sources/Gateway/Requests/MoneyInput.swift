import Foundation
import Store

/// A money amount from a request: a JSON number or a decimal string, exact, at most two places.
struct MoneyInput: Decodable, Sendable {
    var value: Decimal

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let string = try? container.decode(String.self) {
            text = string.trimmingCharacters(in: .whitespaces)
        } else if let number = try? container.decode(Decimal.self) {
            text = "\(number)"
        } else {
            throw DecodingError.typeMismatch(
                Decimal.self, .init(codingPath: decoder.codingPath, debugDescription: "a number or a decimal string"))
        }
        guard let value = Self.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a money amount"))
        }
        self.value = value
    }

    /// ``Money/parse(_:)``: exact, ASCII digits, at most two places.
    static func parse(_ text: String) -> Decimal? { Money.parse(text) }
}
