import Foundation

/// Checks a JSON value against a schema of an OpenAPI 3.1 document: the JSON Schema keywords
/// the document uses (`$ref`, `type`, `enum`, `const`, `properties`, `required`,
/// `additionalProperties`, `items`, `minItems`/`maxItems`, `minLength`/`maxLength`, `pattern`,
/// `minimum`/`maximum`, `format` for uuid, date-time and date, `oneOf`, `anyOf`, `allOf`).
/// Other keywords are annotations here.
struct JSONSchemaValidator: Sendable {
    /// The whole document, for `$ref`s.
    let document: JSONValue

    /// Every violation, each as "path: what is wrong"; empty when `value` is valid.
    func violations(of value: JSONValue, against schema: JSONValue, at path: String = "$") -> [String] {
        guard case .object(let keywords) = schema else { return [] }
        if let reference = keywords["$ref"]?.string {
            guard let target = resolve(reference) else { return ["\(path): unresolvable $ref \(reference)"] }
            return violations(of: value, against: target, at: path)
        }
        var found: [String] = []
        if let type = keywords["type"] {
            let allowed = Set(type.array?.compactMap(\.string) ?? type.string.map { [$0] } ?? [])
            if allowed.isDisjoint(with: value.typeNames) {
                return ["\(path): \(describe(value)) is not of type \(allowed.sorted().joined(separator: " or "))"]
            }
        }
        if let options = keywords["enum"]?.array, !options.contains(value) {
            found.append("\(path): \(describe(value)) is not one of the enum values")
        }
        if let constant = keywords["const"], constant != value {
            found.append("\(path): \(describe(value)) is not the constant \(describe(constant))")
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            guard let subschemas = keywords[key]?.array else { continue }
            let results = subschemas.map { violations(of: value, against: $0, at: path) }
            let passing = results.filter(\.isEmpty).count
            switch key {
            case "allOf": found += results.flatMap { $0 }
            case "anyOf" where passing == 0: found.append("\(path): matches none of anyOf (\(results.flatMap { $0 }.prefix(3)))")
            case "oneOf" where passing != 1:
                found.append("\(path): matches \(passing) of oneOf, not exactly one (\(results.flatMap { $0 }.prefix(3)))")
            default: break
            }
        }
        switch value {
        case .object(let object): found += objectViolations(object, keywords, path)
        case .array(let items): found += arrayViolations(items, keywords, path)
        case .string(let text): found += stringViolations(text, keywords, path)
        case .integer, .number: found += numberViolations(value.number ?? 0, keywords, path)
        default: break
        }
        return found
    }

    private func objectViolations(_ object: [String: JSONValue], _ keywords: [String: JSONValue], _ path: String) -> [String] {
        var found: [String] = []
        let properties = keywords["properties"]?.object ?? [:]
        for name in keywords["required"]?.array?.compactMap(\.string) ?? [] where object[name] == nil {
            found.append("\(path): required property \(name) is missing")
        }
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            if let schema = properties[name] {
                found += violations(of: value, against: schema, at: "\(path).\(name)")
            } else if let additional = keywords["additionalProperties"] {
                if additional == .bool(false) {
                    found.append("\(path): property \(name) is not in the document")
                } else {
                    found += violations(of: value, against: additional, at: "\(path).\(name)")
                }
            }
        }
        return found
    }

    private func arrayViolations(_ items: [JSONValue], _ keywords: [String: JSONValue], _ path: String) -> [String] {
        var found: [String] = []
        if let minimum = keywords["minItems"]?.number, Double(items.count) < minimum {
            found.append("\(path): fewer than \(Int(minimum)) items")
        }
        if let maximum = keywords["maxItems"]?.number, Double(items.count) > maximum {
            found.append("\(path): more than \(Int(maximum)) items")
        }
        if let schema = keywords["items"] {
            for (index, item) in items.enumerated() { found += violations(of: item, against: schema, at: "\(path)[\(index)]") }
        }
        return found
    }

    private func stringViolations(_ text: String, _ keywords: [String: JSONValue], _ path: String) -> [String] {
        var found: [String] = []
        if let minimum = keywords["minLength"]?.number, Double(text.count) < minimum {
            found.append("\(path): shorter than \(Int(minimum))")
        }
        if let maximum = keywords["maxLength"]?.number, Double(text.count) > maximum {
            found.append("\(path): longer than \(Int(maximum))")
        }
        if let pattern = keywords["pattern"]?.string, text.range(of: pattern, options: .regularExpression) == nil {
            found.append("\(path): \"\(text.prefix(60))\" does not match \(pattern)")
        }
        if let format = keywords["format"]?.string, let check = Self.formats[format],
            text.range(of: check, options: .regularExpression) == nil
        {
            found.append("\(path): \"\(text.prefix(60))\" is not a \(format)")
        }
        return found
    }

    private func numberViolations(_ number: Double, _ keywords: [String: JSONValue], _ path: String) -> [String] {
        var found: [String] = []
        if let minimum = keywords["minimum"]?.number, number < minimum { found.append("\(path): \(number) is below \(minimum)") }
        if let maximum = keywords["maximum"]?.number, number > maximum { found.append("\(path): \(number) is above \(maximum)") }
        return found
    }

    /// The formats checked, as patterns (others are annotations).
    static let formats = [
        "uuid": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        "date-time": #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#,
        "date": #"^\d{4}-\d{2}-\d{2}$"#,
    ]

    /// A local reference: `#/components/schemas/Order`.
    func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") {
            node = node?[String(part).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
        }
        return node
    }

    private func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "\"\(value.prefix(40))\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}
