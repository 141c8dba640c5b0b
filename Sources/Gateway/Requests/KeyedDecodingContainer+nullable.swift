extension KeyedDecodingContainer {
    /// nil when the key is absent, `.some(nil)` when it is JSON null, so PUT can clear a field.
    func decodeNullable<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T?? {
        guard contains(key) else { return nil }
        if try decodeNil(forKey: key) { return .some(nil) }
        return .some(try decode(T.self, forKey: key))
    }
}
