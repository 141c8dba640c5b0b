import Foundation

/// Splits a SQL file into statements, since postgres-nio runs one statement per query (the
/// migrations, the stack floor's pgbench scripts).
///
/// Semicolons inside quotes, quoted identifiers, dollar-quoted bodies and comments do not split.
public enum SQLScript {
    public static func statements(_ sql: String) -> [String] {
        let chars = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0

        func flush() {
            let text = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty, !isOnlyComments(text) { statements.append(text) }
            current = String.UnicodeScalarView()
        }

        /// Copies through the closing `terminator`, inclusive.
        func copy(through terminator: [Unicode.Scalar]) {
            while index < chars.count {
                if chars[index...].starts(with: terminator) {
                    current.append(contentsOf: terminator)
                    index += terminator.count
                    return
                }
                current.append(chars[index])
                index += 1
            }
        }

        while index < chars.count {
            let c = chars[index]
            switch c {
            case "'", "\"":
                current.append(c)
                index += 1
                copy(through: [c])
            case "-" where index + 1 < chars.count && chars[index + 1] == "-":
                copy(through: ["\n"])
            case "/" where index + 1 < chars.count && chars[index + 1] == "*":
                copy(through: ["*", "/"])
            case "$":
                // A dollar-quote tag is $name$ or $$; anything else ($1) is ordinary text.
                var end = index + 1
                while end < chars.count, chars[end] == "_" || chars[end].properties.isAlphabetic { end += 1 }
                if end < chars.count, chars[end] == "$" {
                    let tag = Array(chars[index...end])
                    current.append(contentsOf: tag)
                    index = end + 1
                    copy(through: tag)
                } else {
                    current.append(c)
                    index += 1
                }
            case ";":
                index += 1
                flush()
            default:
                current.append(c)
                index += 1
            }
        }
        flush()
        return statements
    }

    private static func isOnlyComments(_ text: String) -> Bool {
        text.split(separator: "\n").allSatisfy {
            $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") || $0.trimmingCharacters(in: .whitespaces).isEmpty
        }
    }
}
