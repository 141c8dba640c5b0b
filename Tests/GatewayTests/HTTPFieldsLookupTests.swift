import HTTPTypes
import ServiceHTTP
import Testing

/// `HTTPFields.value(of:)` and `set(_:to:)` read and write what the fields' own subscript reads
/// and writes, for none, one and several fields of a name, and for cookies.
@Suite("Header lookups")
struct HTTPFieldsLookupTests {
    static let custom = HTTPField.Name("X-Custom")!

    static func fields(_ pairs: [(HTTPField.Name, String)]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs { fields.append(HTTPField(name: name, value: value)) }
        return fields
    }

    static let samples: [HTTPFields] = [
        fields([]),
        fields([(.accept, "*/*")]),
        fields([(.authorization, "Bearer one"), (.accept, "*/*")]),
        fields([(.authorization, "Bearer one"), (.accept, "*/*"), (.authorization, "Bearer two")]),
        fields([(.cookie, "a=1"), (.cookie, "b=2"), (custom, "x"), (custom, "y"), (custom, "z")]),
    ]

    @Test func aValueIsWhatTheSubscriptReads() {
        for fields in Self.samples {
            for name in [HTTPField.Name.authorization, .accept, .cookie, Self.custom, .contentType] {
                #expect(fields.value(of: name) == fields[name], "\(name) in \(fields)")
            }
        }
    }

    @Test func settingAFieldIsWhatTheSubscriptWrites() {
        for fields in Self.samples {
            for name in [HTTPField.Name.authorization, .accept, .cookie, Self.custom, .contentType] {
                var ours = fields
                ours.set(name, to: "new; value=1")
                var theirs = fields
                theirs[name] = "new; value=1"
                #expect(ours[values: name] == theirs[values: name], "\(name) in \(fields)")
                #expect(ours.count == theirs.count, "\(name) in \(fields)")
                #expect(Array(ours).map(\.name) == Array(theirs).map(\.name) || !fields.contains(name), "\(name) in \(fields)")
            }
        }
    }
}
