/// What a cluster node's error reply asks of the client: go to another node for good (`MOVED`),
/// for this command only (`ASK`, after `ASKING`), or try again shortly (`TRYAGAIN` while a slot
/// moves, `CLUSTERDOWN` while a failover runs).
enum RedisRedirect: Equatable {
    case moved(slot: Int, to: RedisEndpoint)
    case ask(slot: Int, to: RedisEndpoint)
    case tryAgain

    init?(_ message: String) {
        let words = message.split(separator: " ")
        switch words.first {
        case "MOVED", "ASK":
            guard words.count >= 3, let slot = Int(words[1]), let endpoint = RedisEndpoint(words[2]) else { return nil }
            self = words[0] == "MOVED" ? .moved(slot: slot, to: endpoint) : .ask(slot: slot, to: endpoint)
        case "TRYAGAIN", "CLUSTERDOWN": self = .tryAgain
        default: return nil
        }
    }
}
