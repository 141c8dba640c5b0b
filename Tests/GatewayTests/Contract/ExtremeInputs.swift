import Foundation

/// Requests that put one field at a time at an extreme, for every request-body field, query
/// parameter and header parameter the OpenAPI document names; every other field keeps a
/// plausible value so the request gets as deep into the handler as it can.
struct ExtremeInputs {
    /// One request to send.
    struct Case: Sendable, CustomStringConvertible {
        var method: String
        var path: String
        var query: String
        var headers: [String: String]
        var body: String?
        /// What was pushed to its extreme, for the failure message.
        var label: String

        var description: String { "\(method) \(path) [\(label)]" }
    }

    let document: JSONValue
    /// Values for fields that must name real things for the handler to go deep.
    let sku: String

    /// Operations never sent: `logout` would end the test's own session; an accepted
    /// `streamEvents` never ends (its refusals are `EventStreamTests`').
    static let skipped: Set<String> = ["logout", "streamEvents"]

    // MARK: Extremes

    /// JSON texts for a numeric field: the edges of Int64, past them, beyond Double, fractions.
    static let numbers = [
        "0", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
        "1e309", "-1e309", "0.5", "1e-400", "\"9223372036854775808\"", "null",
    ]

    /// Text that a database, a length check or a log line might take badly.
    static func strings(maxLength: Int?) -> [String] {
        let decomposed = "e\u{0301}"  // one character, two code points
        var values = ["", "\u{0}", "a\u{0}b", "\u{200F}\u{202E}rtl", "\u{FEFF}", "𝒳𝒴𝒵", "'; DROP TABLE users; --", "%00", "\\u0000"]
        // At the field's limit and one past it, in three alphabets; past any limit; and big.
        for length in [maxLength, maxLength.map { $0 + 1 }, 300].compactMap({ $0 }) {
            values.append(String(repeating: decomposed, count: (length + 1) / 2))
            values.append(String(repeating: "𝒳", count: length))
            values.append(String(repeating: "x", count: length))
        }
        values.append(String(repeating: "𝒳", count: 60_000))
        return values
    }

    /// The same texts for a query string or header, plus numbers written as text.
    static func texts(maxLength: Int?) -> [String] {
        strings(maxLength: maxLength) + [
            "0", "-1", "9223372036854775807", "-9223372036854775808", "99999999999999999999999", "1e309", "NaN", "true",
        ]
    }

    // MARK: Cases

    func cases() -> [Case] {
        var cases: [Case] = []
        for (template, item) in (document["paths"]?.object ?? [:]).sorted(by: { $0.key < $1.key }) {
            let pathParameters = item["parameters"]?.array ?? []
            for method in ["get", "post", "put", "patch", "delete"] {
                guard let operation = item[method], let id = operation["operationId"]?.string, !Self.skipped.contains(id) else { continue }
                let parameters = (pathParameters + (operation["parameters"]?.array ?? [])).map(resolve)
                let path = fill(template, parameters)
                let schema = operation["requestBody"]?["content"]?["application/json"]?["schema"].map(resolve)
                let base = schema.map { example($0) }
                let baseBody = base.map(Self.text)
                let verb = method.uppercased()
                for parameter in parameters {
                    guard let name = parameter["name"]?.string, let place = parameter["in"]?.string, place != "path" else { continue }
                    let maxLength = resolve(parameter["schema"] ?? .null)["maxLength"]?.number.map(Int.init)
                    // Longer URLs and headers never reach a gateway: nginx stops them (414, 400).
                    for value in Self.texts(maxLength: maxLength) where Self.percentEncoded(value).utf8.count < 6_000 {
                        if place == "query" {
                            cases.append(
                                Case(
                                    method: verb, path: path, query: "\(name)=\(Self.percentEncoded(value))", headers: [:], body: baseBody,
                                    label: "\(name)=" + Self.sample(value)))
                        } else if place == "header", !value.contains("\u{0}") {
                            cases.append(
                                Case(
                                    method: verb, path: path, query: "", headers: [name: value], body: baseBody,
                                    label: "\(name): " + Self.sample(value)))
                        }
                    }
                }
                guard let schema, let base else { continue }
                for (field, fieldSchema) in leaves(schema, at: []) {
                    let values: [String]
                    switch fieldSchema["type"]?.string ?? (fieldSchema["oneOf"] != nil ? "number" : "string") {
                    case "integer", "number": values = Self.numbers
                    case "boolean": values = ["0", "\"true\"", "null"]
                    default:
                        values =
                            Self.strings(maxLength: fieldSchema["maxLength"]?.number.map(Int.init)).map(Self.jsonString) + [
                                "9223372036854775808", "1e309",
                            ]
                    }
                    for value in values {
                        cases.append(
                            Case(
                                method: verb, path: path, query: "", headers: [:], body: Self.text(replacing: field, in: base, with: value),
                                label: field.map(\.description).joined(separator: ".") + "=" + Self.sample(value)
                            ))
                    }
                }
            }
        }
        return cases
    }

    // MARK: Schemas

    /// One step into a body: an object key or an array index.
    enum Step: CustomStringConvertible {
        case key(String)
        case index

        var description: String {
            switch self {
            case .key(let key): key
            case .index: "[0]"
            }
        }
    }

    /// Every scalar field of `schema`, with its path (arrays are entered at their first item).
    func leaves(_ schema: JSONValue, at path: [Step]) -> [([Step], JSONValue)] {
        let schema = resolve(schema)
        if let properties = schema["properties"]?.object {
            return properties.sorted { $0.key < $1.key }.flatMap { leaves($0.value, at: path + [.key($0.key)]) }
        }
        if schema["type"]?.string == "array", let items = schema["items"] { return leaves(items, at: path + [.index]) }
        return path.isEmpty ? [] : [(path, schema)]
    }

    /// A plausible value for `schema`: what a careful client would send.
    func example(_ schema: JSONValue, name: String = "") -> JSONValue {
        let schema = resolve(schema)
        if let first = schema["enum"]?.array?.first(where: { $0 != .string("") }) { return first }
        if let constant = schema["const"] { return constant }
        if let properties = schema["properties"]?.object {
            return .object(Dictionary(uniqueKeysWithValues: properties.map { ($0.key, example($0.value, name: $0.key)) }))
        }
        if schema["oneOf"] != nil { return .string("1.00") }
        switch schema["type"]?.string ?? schema["type"]?.array?.first?.string {
        case "array": return .array([example(schema["items"] ?? .null, name: name)])
        case "integer": return .integer(1)
        case "number": return .integer(1)
        case "boolean": return .bool(true)
        default:
            switch name {
            case "sku", "product_sku": return .string(sku)
            case "email", "customer_email": return .string("extreme-\(UUID().uuidString.prefix(8))@example.com")
            case "username": return .string("extreme_\(UUID().uuidString.prefix(8))")
            case "password", "new_password", "current_password": return .string("correct-horse-battery")
            default: return .string("plausible")
            }
        }
    }

    /// Follows a `$ref` (and a `$ref` it leads to).
    func resolve(_ value: JSONValue) -> JSONValue {
        guard let reference = value["$ref"]?.string, reference.hasPrefix("#/") else { return value }
        var target = document
        for part in reference.dropFirst(2).split(separator: "/") { target = target[String(part)] ?? .null }
        return resolve(target)
    }

    /// The template with its path parameters filled in with things that exist or look right.
    func fill(_ template: String, _ parameters: [JSONValue]) -> String {
        var path = template
        for parameter in parameters where parameter["in"]?.string == "path" {
            guard let name = parameter["name"]?.string else { continue }
            let value: String =
                switch name {
                case "sku": sku
                case "file": "init.js"
                default: "0190b8a0-0000-7000-8000-000000000000"
                }
            path = path.replacingOccurrences(of: "{\(name)}", with: value)
        }
        return path
    }

    // MARK: JSON text

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .integer(let number): String(number)
        case .number(let number): String(number)
        case .string(let string): jsonString(string)
        case .array(let items): "[" + items.map(text).joined(separator: ",") + "]"
        case .object(let object):
            "{" + object.sorted { $0.key < $1.key }.map { jsonString($0.key) + ":" + text($0.value) }.joined(separator: ",") + "}"
        }
    }

    /// `base` as JSON text with the field at `path` written as the raw JSON `replacement`.
    static func text(replacing path: [Step], in base: JSONValue, with replacement: String) -> String {
        guard let step = path.first else { return replacement }
        switch (step, base) {
        case (.key(let key), .object(let object)):
            return "{"
                + object.sorted { $0.key < $1.key }.map { entry in
                    jsonString(entry.key) + ":"
                        + (entry.key == key
                            ? text(replacing: Array(path.dropFirst()), in: entry.value, with: replacement) : text(entry.value))
                }.joined(separator: ",") + "}"
        case (.index, .array(let items)):
            return "["
                + items.enumerated().map {
                    $0.offset == 0 ? text(replacing: Array(path.dropFirst()), in: $0.element, with: replacement) : text($0.element)
                }.joined(separator: ",") + "]"
        default:
            return text(base)
        }
    }

    static func jsonString(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A short, printable name for a value in a failure message.
    static func sample(_ value: String) -> String {
        let head = value.unicodeScalars.prefix(12).map {
            $0.value < 0x20 || $0.value > 0x7E ? String(format: "\\u%04x", $0.value) : String($0)
        }.joined()
        return value.unicodeScalars.count > 12 ? "\(head)… (\(value.unicodeScalars.count) code points)" : head
    }

    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}
