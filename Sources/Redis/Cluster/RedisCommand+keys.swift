/// Where a command's keys are among its arguments, so that a cluster client can route it.
extension RedisCommand {
    /// The indices of the key arguments (the name is index 0); empty for a command without keys
    /// (`PING`, `TIME`, `CLUSTER …`, `SCRIPT …`), which any node may answer.
    var keyIndices: [Int] {
        let count = arguments.count
        switch name.uppercased() {
        case "PING", "TIME", "INFO", "CLUSTER", "SCRIPT", "AUTH", "SELECT", "FLUSHALL", "FLUSHDB", "DBSIZE", "ASKING",
            "READONLY", "READWRITE", "CONFIG", "CLIENT", "HELLO", "COMMAND", "ECHO", "WAIT", "QUIT", "SHUTDOWN", "KEYS",
            "SCAN", "RANDOMKEY", "MULTI", "EXEC", "DISCARD":
            return []
        case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO":
            guard count > 2, let keys = Self.integer(arguments[2]), keys > 0 else { return [] }
            return Array(3..<min(count, 3 + keys))
        case "DEL", "UNLINK", "EXISTS", "MGET", "TOUCH", "WATCH", "SINTER", "SUNION", "SDIFF", "PFCOUNT":
            return Array(1..<max(1, count))
        case "MSET", "MSETNX":
            return Array(stride(from: 1, to: count, by: 2))
        case "BLPOP", "BRPOP", "BZPOPMIN", "BZPOPMAX":
            return Array(1..<max(1, count - 1))
        case "XREAD", "XREADGROUP":
            guard let streams = arguments.firstIndex(where: { ($0 as? String)?.uppercased() == "STREAMS" }) else { return [] }
            let rest = count - streams - 1
            return Array((streams + 1)..<(streams + 1 + rest / 2))
        default:
            return count > 1 ? [1] : []
        }
    }

    /// The slot every key of this command hashes to; nil without keys. Keys of several slots
    /// are refused before anything is sent: a cluster would refuse them, or a script would
    /// fail halfway through.
    func slot() throws(RedisError) -> Int? {
        var slot: Int?
        for index in keyIndices {
            let own = RedisSlot.of(argument: arguments[index])
            if let slot, slot != own {
                throw RedisError(.crossSlot, "\(name) names keys of slots \(slot) and \(own)")
            }
            slot = own
        }
        return slot
    }

    private static func integer(_ argument: any RESPArgument) -> Int? {
        if let value = argument as? Int { return value }
        if let value = argument as? String { return Int(value) }
        return nil
    }
}
