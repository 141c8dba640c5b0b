import Foundation

/// Collects every invalid field of an input, then throws one ``InvalidInput`` naming them all.
public struct InputValidator: Sendable {
    public private(set) var problems: [InvalidInput.Field] = []

    public init() {}

    /// The field and message are made only for a failing check: a valid order's checks built a
    /// dozen interpolated strings for nothing (2 % of a create's instructions).
    public mutating func check(_ condition: Bool, _ field: @autoclosure () -> String, _ message: @autoclosure () -> String) {
        if !condition { problems.append(.init(field: field(), message: message())) }
    }

    /// A string's length within `range` (nil passes unless `required`), counted in Unicode code
    /// points as Postgres's `char_length` counts them: one unit for every limit, the one the
    /// database enforces (`e` + a combining accent is one grapheme but two code points).
    public mutating func length(
        _ value: String?, _ field: @autoclosure () -> String, _ range: ClosedRange<Int>, required: Bool = false
    ) {
        guard let value else {
            if required { problems.append(.init(field: field(), message: "is required")) }
            return
        }
        check(range.contains(value.unicodeScalars.count), field(), "must be \(range.lowerBound) to \(range.upperBound) characters")
    }

    public mutating func username(_ value: String, _ field: String = "username") {
        length(value, field, 3...50)
        check(
            value.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_.-".unicodeScalars.contains($0))
            },
            field, "may contain only letters, digits, '_', '.' and '-'"
        )
    }

    public mutating func email(_ value: String, _ field: String = "email") {
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        let ascii = value.utf8.allSatisfy { $0 < 0x80 }
        // Accounts store the address lower-cased, which can lengthen it ("İ" becomes "i" plus a
        // dot); an ASCII address keeps its length, and is read by its bytes (a tenth of the cost).
        let length = ascii ? value.utf8.count : max(value.unicodeScalars.count, value.lowercased().unicodeScalars.count)
        let spaced =
            ascii
            ? value.utf8.contains { $0 == 0x20 || (0x09...0x0D).contains($0) }
            : value.contains(where: { $0.isWhitespace || $0.isNewline })
        let valid =
            (3...254).contains(length) && parts.count == 2 && !parts[0].isEmpty
            && parts[0].unicodeScalars.count <= 64
            && parts[1].contains(".") && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !spaced
        check(valid, field, "must be a valid email address")
    }

    public mutating func password(_ value: String, _ field: String = "password") {
        length(value, field, 8...128)
    }

    /// Throws ``InvalidInput`` when any check failed.
    public func validate() throws(InvalidInput) {
        if !problems.isEmpty { throw InvalidInput(problems) }
    }
}
