internal import CSQLite

/// A compiled statement, finalized in deinit.
public final class Statement {
    let handle: OpaquePointer
    // Keeps the connection alive for as long as the statement.
    let database: Database

    init(handle: OpaquePointer, database: Database) {
        self.handle = handle
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    /// A value to bind to a parameter.
    public enum Value {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob([UInt8])
    }

    /// Binds `values` to parameters 1…n, after resetting the statement.
    @discardableResult
    public func bind(_ values: Value...) throws(SQLiteError) -> Statement {
        try bind(values)
    }

    @discardableResult
    public func bind(_ values: [Value]) throws(SQLiteError) -> Statement {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null:
                rc = sqlite3_bind_null(handle, index)
            case let .integer(number):
                rc = sqlite3_bind_int64(handle, index, number)
            case let .real(number):
                rc = sqlite3_bind_double(handle, index, number)
            case let .text(text):
                rc = sqlite3_bind_text(handle, index, text, -1, kp_sqlite_transient())
            case let .blob(bytes):
                // An empty array's pointer is nil, which would bind NULL (LINUX-NOTES 5).
                rc =
                    bytes.isEmpty
                    ? sqlite3_bind_zeroblob(handle, index, 0)
                    : bytes.withUnsafeBytes {
                        sqlite3_bind_blob(
                            handle, index, $0.baseAddress, Int32($0.count), kp_sqlite_transient())
                    }
            }
            try database.check(rc)
        }
        return self
    }

    /// Advances; true when a row is available.
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        try database.check(rc)
        return rc == SQLITE_ROW
    }

    /// Steps to completion, for statements that return no rows.
    public func run() throws(SQLiteError) {
        while try step() {}
    }

    public func isNull(at column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    public func int64(at column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    public func double(at column: Int32) -> Double { sqlite3_column_double(handle, column) }

    public func optionalInt64(at column: Int32) -> Int64? {
        isNull(at: column) ? nil : int64(at: column)
    }

    public func text(at column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: pointer)
    }

    public func optionalText(at column: Int32) -> String? {
        isNull(at: column) ? nil : text(at: column)
    }

    public func blob(at column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
