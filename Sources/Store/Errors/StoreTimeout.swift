/// A store call that did not finish within its deadline (the request's, or the call's own).
public struct StoreTimeout: Error, Sendable, CustomStringConvertible {
    /// `postgres` or `redis`.
    public var store: String

    public init(store: String) {
        self.store = store
    }

    public var description: String { "StoreTimeout(\(store))" }
}
