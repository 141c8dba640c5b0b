/// Redis Cluster's slot of a key: CRC16 (XMODEM) of its hash tag, or of the whole key when it
/// has none, modulo 16,384. The tag is what lies between the first `{` and the first `}` after
/// it, when that is not empty: keys that share a tag share a slot, and so a node.
public enum RedisSlot {
    public static let count = 16_384

    public static func of(_ key: String) -> Int {
        var key = key
        return key.withUTF8 { of(bytes: $0) }
    }

    public static func of(bytes key: some Collection<UInt8>) -> Int {
        if let open = key.firstIndex(of: UInt8(ascii: "{")) {
            let afterOpen = key.index(after: open)
            if let close = key[afterOpen...].firstIndex(of: UInt8(ascii: "}")), close != afterOpen {
                return Int(crc16(key[afterOpen..<close]) % UInt16(count))
            }
        }
        return Int(crc16(key) % UInt16(count))
    }

    /// The slot of a command argument, from the bytes it is sent as.
    static func of(argument: any RESPArgument) -> Int {
        argument.withRESPBytes { of(bytes: $0) }
    }

    static func crc16(_ bytes: some Collection<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    /// CRC16-CCITT (XMODEM: polynomial 0x1021, no reflection, initial value 0), a byte at a time.
    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }
}
