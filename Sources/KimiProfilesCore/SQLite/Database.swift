internal import CSQLite

/// Process-wide SQLite settings, applied once before the first connection (SQLite refuses
/// them after it has initialized). Without the bulk page-cache allocation a run touches about
/// 20 fewer pages of memory (BENCHMARKS.md). Should anything initialize SQLite first, the call
/// fails with SQLITE_MISUSE and changes nothing but that saving.
private let sqliteConfigured: Int32 = kp_sqlite_no_bulk_page_cache()

/// One SQLite connection, closed in deinit. Confined to the thread that uses it.
///
/// Every call that returns a result code goes through `check`, which turns it into a
/// `SQLiteError`; no caller inspects codes itself.
public final class Database {
    let handle: OpaquePointer
    public let path: String

    /// Opens (and with `create`, creates) the database at `path`.
    public init(path: String, create: Bool, busyTimeout: Int32 = 5000) throws(SQLiteError) {
        _ = sqliteConfigured
        var pointer: OpaquePointer?
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        if create { flags |= SQLITE_OPEN_CREATE }
        let rc = sqlite3_open_v2(path, &pointer, flags, nil)
        guard let pointer, rc == SQLITE_OK else {
            let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let pointer { sqlite3_close_v2(pointer) }
            throw SQLiteError(code: rc & 0xff, extendedCode: rc, message: message)
        }
        handle = pointer
        self.path = path
        sqlite3_busy_timeout(handle, busyTimeout)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs one or more statements that bind nothing and return nothing.
    public func execute(_ sql: String) throws(SQLiteError) {
        try check(sqlite3_exec(handle, sql, nil, nil, nil))
    }

    /// Compiles one statement.
    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        var statement: OpaquePointer?
        try check(sqlite3_prepare_v2(handle, sql, -1, &statement, nil))
        guard let statement else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "empty statement")
        }
        return Statement(handle: statement, database: self)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back if it throws.
    ///
    /// IMMEDIATE takes the write lock up front, so two writers wait on the busy timeout
    /// instead of failing later with SQLITE_BUSY when one upgrades its read lock.
    public func transaction<R, E: Error>(_ body: () throws(E) -> R) throws -> R {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// `PRAGMA user_version`.
    public var userVersion: Int {
        get throws(SQLiteError) {
            let statement = try prepare("PRAGMA user_version")
            _ = try statement.step()
            return Int(statement.int64(at: 0))
        }
    }

    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    func check(_ rc: Int32) throws(SQLiteError) {
        guard rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE else {
            throw SQLiteError(
                code: rc & 0xff, extendedCode: rc, message: String(cString: sqlite3_errmsg(handle)))
        }
    }
}
