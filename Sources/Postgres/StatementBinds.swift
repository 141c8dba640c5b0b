import NIOCore
import PostgresNIO

/// The parameters of a ``PreparedStatement``, each encoded as `PostgresBindings` would encode it.
public struct StatementBinds: Sendable {
    /// In the form postgres-nio's future prepared-statement API takes.
    private(set) var values: [PostgresData] = []

    public init() {}

    /// Appends `value`, or NULL.
    public mutating func append<Value: PostgresThrowingDynamicTypeEncodable>(_ value: Value?) throws {
        guard let value else {
            values.append(PostgresData(type: .null))
            return
        }
        var buffer = ByteBuffer()
        try value.encode(into: &buffer, context: .default)
        values.append(PostgresData(type: value.psqlType, formatCode: value.psqlFormat, value: buffer))
    }
}
