/// A failure reported by SQLite. Carries SQLite's own message and the statement's text, never
/// the values bound to it (which may be sealed secrets).
public struct SQLiteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The primary result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT`, …).
    public let code: Int32
    /// The extended result code, when SQLite gave one.
    public let extendedCode: Int32
    public let message: String

    public init(code: Int32, extendedCode: Int32? = nil, message: String) {
        self.code = code
        self.extendedCode = extendedCode ?? code
        self.message = message
    }

    public var isBusy: Bool { code == 5 || code == 6 }  // SQLITE_BUSY, SQLITE_LOCKED
    public var isUniqueViolation: Bool { extendedCode == 2067 || extendedCode == 1555 }
    public var isCorrupt: Bool { code == 11 || code == 26 }  // SQLITE_CORRUPT, SQLITE_NOTADB

    public var description: String { "database error \(code): \(message)" }
}
