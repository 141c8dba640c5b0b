/// Which primary serves each of a cluster's 16,384 slots, as `CLUSTER SLOTS` last said (or a
/// `MOVED` reply since). Slots hold an index into `nodes`, so a copy of the map is 32 KB.
struct RedisClusterMap: Sendable {
    private(set) var nodes: [RedisEndpoint] = []
    private var owners = [UInt16](repeating: Self.none, count: RedisSlot.count)
    private static let none = UInt16.max

    var isEmpty: Bool { nodes.isEmpty }

    subscript(slot: Int) -> RedisEndpoint? {
        get { owners[slot] == Self.none ? nil : nodes[Int(owners[slot])] }
        set {
            guard let newValue else {
                owners[slot] = Self.none
                return
            }
            if let index = nodes.firstIndex(of: newValue) {
                owners[slot] = UInt16(index)
            } else {
                nodes.append(newValue)
                owners[slot] = UInt16(nodes.count - 1)
            }
        }
    }

    init() {}

    /// Reads a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id, …], replica…], …]`. A node
    /// that names no host (an empty string or `?`) is on the host that answered, `answeredBy`.
    init(slots reply: RESPValue, answeredBy: RedisEndpoint) throws(RedisError) {
        guard let ranges = reply.array else { throw RedisError(.protocolError, "CLUSTER SLOTS did not answer an array") }
        for range in ranges {
            guard let fields = range.array, fields.count >= 3, let start = fields[0].int, let end = fields[1].int,
                start >= 0, end < RedisSlot.count, start <= end,
                let primary = fields[2].array, primary.count >= 2, let host = primary[0].string, let port = primary[1].int
            else { throw RedisError(.protocolError, "CLUSTER SLOTS answered a range it could not read") }
            let endpoint = RedisEndpoint(host: host.isEmpty || host == "?" ? answeredBy.host : host, port: port)
            for slot in start...end { self[slot] = endpoint }
        }
    }
}
