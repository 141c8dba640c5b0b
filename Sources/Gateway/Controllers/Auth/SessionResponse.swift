/// One of the caller's sessions as `GET /api/auth/sessions` lists it.
struct SessionResponse: Codable, Sendable {
    var id: String
    var createdAt: String
    var lastSeenAt: String
    var userAgent: String?
    var ip: String?
    var current: Bool

    enum CodingKeys: String, CodingKey {
        case id, ip, current
        case createdAt = "created_at"
        case lastSeenAt = "last_seen_at"
        case userAgent = "user_agent"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(lastSeenAt, forKey: .lastSeenAt)
        try container.encode(userAgent, forKey: .userAgent)
        try container.encode(ip, forKey: .ip)
        try container.encode(current, forKey: .current)
    }
}
