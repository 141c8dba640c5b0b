/// The actor's role may not do this (403); the reason is written for them.
public struct Forbidden: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "Forbidden(\(reason))" }

    /// Throws unless `actor` has one of `roles`.
    public static func unless(_ actor: Actor, is roles: Role..., reason: String = "Your role may not do this.") throws(Forbidden) {
        if !roles.contains(actor.role) { throw Forbidden(reason) }
    }
}
