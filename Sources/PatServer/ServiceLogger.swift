import Logging

/// Log lines to stderr, one per event, never with a token in them (nothing logs request URIs or bodies).
public func serviceLogger(label: String = "pat.serve", level: Logger.Level = .info) -> Logger {
    var logger = Logger(label: label, factory: { StreamLogHandler.standardError(label: $0) })
    logger.logLevel = level
    return logger
}
