import Foundation

/// Time-ordered UUIDs (RFC 9562 version 7), so new rows land at the end of their btree indexes.
public enum UUIDv7 {
    /// A random (version 4) UUID with its first 48 bits replaced by the Unix time in milliseconds
    /// and its version set to 7 (a create makes five of these).
    public static func make(at date: Date = Date()) -> UUID {
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var uuid = UUID.random().uuid
        withUnsafeMutableBytes(of: &uuid) { bytes in
            for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (40 - 8 * UInt64(index))) }
            bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
            bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        }
        return UUID(uuid: uuid)
    }
}
