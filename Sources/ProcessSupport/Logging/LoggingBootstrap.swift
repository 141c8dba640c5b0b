import Logging

extension PlatformConfiguration {
    /// Installs the process-wide log handler chosen by `LOG_FORMAT` and `LOG_LEVEL`. Call once, at start.
    public func bootstrapLogging() {
        let level = logLevel
        switch logFormat {
        case .json:
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
