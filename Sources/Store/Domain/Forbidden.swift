/// The actor's role may not do this (403); the reason is written for them.
public struct Forbidden: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    /// What a refusal says when its rule has nothing more specific to say: one wording for the
    /// API and the console.
    public static let roleReason = "Your role may not do this."

    public init(_ reason: String = Forbidden.roleReason) {
        self.reason = reason
    }

    public var description: String { "Forbidden(\(reason))" }

    /// Throws unless `actor` has one of `roles`.
    public static func unless(_ actor: Actor, is roles: Role..., reason: String = Forbidden.roleReason) throws(Forbidden) {
        if !roles.contains(actor.role) { throw Forbidden(reason) }
    }
}
