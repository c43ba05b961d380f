import Logging

enum LogSetup {
    /// Sends logs to standard error at `level` (once per process).
    static func bootstrap(level: String) -> Logger.Level {
        let level = Logger.Level(rawValue: level.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return level
    }
}
