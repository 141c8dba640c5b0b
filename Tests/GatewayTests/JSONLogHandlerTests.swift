import Logging
import ProcessSupport
import Testing

/// `JSONLogHandler` keeps its metadata as a list: set, replaced, removed and read back as a
/// dictionary would, through the handler and through a logger's copies.
@Suite("JSON log handler")
struct JSONLogHandlerTests {
    @Test func metadataBehavesAsADictionary() {
        var handler = JSONLogHandler(label: "test", level: .info)
        var expected: Logger.Metadata = [:]
        var random = SystemRandomNumberGenerator()
        let keys = ["hb.request.id", "user.id", "store", "a", "b"]
        for step in 0..<500 {
            let key = keys[Int(random.next() % UInt64(keys.count))]
            let value: Logger.Metadata.Value? = random.next() % 4 == 0 ? nil : .string("v\(step)")
            handler[metadataKey: key] = value
            expected[key] = value
            #expect(handler.metadata == expected)
            for key in keys { #expect(handler[metadataKey: key] == expected[key]) }
        }
        handler.metadata = ["x": "1", "y": .stringConvertible(2)]
        #expect(handler[metadataKey: "x"] == "1")
        #expect(handler[metadataKey: "hb.request.id"] == nil)
        #expect(handler.metadata.count == 2)
    }

    @Test func aLoggersCopyKeepsItsOwnMetadata() {
        var base = Logger(label: "test") { JSONLogHandler(label: $0, level: .info) }
        base[metadataKey: "service"] = "gateway"
        var request = base
        request[metadataKey: "hb.request.id"] = "abc"
        request[metadataKey: "service"] = "other"
        #expect(base[metadataKey: "hb.request.id"] == nil)
        #expect(base[metadataKey: "service"] == "gateway")
        #expect(request[metadataKey: "hb.request.id"] == "abc")
        #expect(request[metadataKey: "service"] == "other")
    }
}
