import CSQLite

/// A small wrapper over the system's SQLite: Flack keeps its users and messages in one SQLite
/// file that its Celery workers (Python, SQLAlchemy) open too, so the port has to read and write
/// the same tables. Flask-SQLAlchemy makes one connection per thread; here one actor owns the
/// connection (``FlackStore``), so calls never overlap and never run on an event loop.
final class SQLiteDatabase {
    /// A value bound to a `?` of a statement, or read from a column.
    enum Value: Sendable, Equatable {
        case null
        case integer(Int)
        case text(String)

        var integer: Int? { if case .integer(let value) = self { value } else { nil } }
        var text: String? { if case .text(let value) = self { value } else { nil } }
    }

    struct Error: Swift.Error, CustomStringConvertible {
        let code: Int32
        let message: String
        var description: String { "SQLite error \(self.code): \(self.message)" }
    }

    private let handle: OpaquePointer

    /// Opens (or creates) the database at `path`. `busyTimeout` is how long a statement waits
    /// for another process's write lock (the Celery worker's commits) before failing.
    init(path: String, busyTimeoutMilliseconds: Int32 = 5000) throws {
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open \(path)"
            sqlite3_close(handle)
            throw Error(code: code, message: message)
        }
        self.handle = handle
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
    }

    deinit { sqlite3_close(self.handle) }

    /// Runs `sql` with `bindings`, and returns every row, each as its columns' values in order.
    @discardableResult
    func query(_ sql: String, _ bindings: [Value] = []) throws -> [[Value]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(self.handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw self.lastError()
        }
        defer { sqlite3_finalize(statement) }
        for (index, value) in bindings.enumerated() {
            let position = Int32(index + 1)
            let code: Int32 =
                switch value {
                case .null: sqlite3_bind_null(statement, position)
                case .integer(let number): sqlite3_bind_int64(statement, position, Int64(number))
                // SQLITE_TRANSIENT: SQLite copies the string before the call returns.
                case .text(let string): sqlite3_bind_text(statement, position, string, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
                }
            guard code == SQLITE_OK else { throw self.lastError() }
        }
        var rows: [[Value]] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw self.lastError() }
            rows.append(
                (0..<sqlite3_column_count(statement)).map { column in
                    switch sqlite3_column_type(statement, column) {
                    case SQLITE_NULL: .null
                    case SQLITE_INTEGER: .integer(Int(sqlite3_column_int64(statement, column)))
                    default: .text(sqlite3_column_text(statement, column).map { String(cString: $0) } ?? "")
                    }
                }
            )
        }
        return rows
    }

    /// The id of the row the last `INSERT` made.
    var lastInsertRowID: Int { Int(sqlite3_last_insert_rowid(self.handle)) }

    /// Rows the last `UPDATE` or `INSERT` changed.
    var changes: Int { Int(sqlite3_changes(self.handle)) }

    private func lastError() -> Error {
        Error(code: sqlite3_errcode(self.handle), message: String(cString: sqlite3_errmsg(self.handle)))
    }
}
