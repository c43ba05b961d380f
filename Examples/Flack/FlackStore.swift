import Foundation

/// Flack's database: the `users` and `messages` tables its SQLAlchemy models define, in one
/// SQLite file shared with the Celery workers. One actor owns the connection, so the blocking
/// SQLite calls run on Swift's cooperative pool, never on a NIO event loop.
actor FlackStore {
    private let database: SQLiteDatabase

    /// Opens the file and makes the tables when they are missing, with the columns that
    /// `python manage.py createdb` (SQLAlchemy's `create_all`) makes.
    init(path: String) throws {
        self.database = try SQLiteDatabase(path: path)
        try self.database.query(
            """
            CREATE TABLE IF NOT EXISTS users (
                id INTEGER NOT NULL PRIMARY KEY, created_at INTEGER, updated_at INTEGER, last_seen_at INTEGER,
                nickname VARCHAR(32) NOT NULL UNIQUE, password_hash VARCHAR(256) NOT NULL,
                token VARCHAR(64) UNIQUE, online BOOLEAN)
            """
        )
        try self.database.query(
            """
            CREATE TABLE IF NOT EXISTS messages (
                id INTEGER NOT NULL PRIMARY KEY, created_at INTEGER, updated_at INTEGER,
                source TEXT NOT NULL, html TEXT NOT NULL, user_id INTEGER REFERENCES users (id))
            """
        )
    }

    private static let userColumns = "id, created_at, updated_at, nickname, last_seen_at, online, password_hash, token"

    private static func user(_ row: [SQLiteDatabase.Value]) -> (user: User, passwordHash: String, token: String?) {
        let id = row[0].integer ?? 0
        let user = User(
            id: id,
            created_at: row[1].integer ?? 0,
            updated_at: row[2].integer ?? 0,
            nickname: row[3].text ?? "",
            last_seen_at: row[4].integer ?? 0,
            online: (row[5].integer ?? 0) != 0,
            // Flask's url_for: an argument the route does not take becomes the query string.
            _links: .init(self: "/api/users/\(id)", messages: "/api/messages?user_id=\(id)", tokens: "/api/tokens")
        )
        return (user, row[6].text ?? "", row[7].text)
    }

    private func users(where condition: String, _ bindings: [SQLiteDatabase.Value]) throws -> [(user: User, passwordHash: String, token: String?)] {
        try self.database.query("SELECT \(Self.userColumns) FROM users WHERE \(condition)", bindings).map(Self.user)
    }

    /// `User.create` + commit; `nil` when the nickname is taken (Flack answers 400).
    func createUser(nickname: String, passwordHash: String) throws -> User? {
        guard try self.users(where: "nickname = ?", [.text(nickname)]).isEmpty else { return nil }
        let now = timestamp()
        try self.database.query(
            "INSERT INTO users (created_at, updated_at, last_seen_at, nickname, password_hash, token, online) VALUES (?, ?, ?, ?, ?, NULL, 0)",
            [.integer(now), .integer(now), .integer(now), .text(nickname), .text(passwordHash)]
        )
        return try self.user(id: self.database.lastInsertRowID)
    }

    func user(id: Int) throws -> User? { try self.users(where: "id = ?", [.integer(id)]).first?.user }

    /// The user and password hash for HTTP basic auth.
    func credentials(nickname: String) throws -> (user: User, passwordHash: String)? {
        try self.users(where: "nickname = ?", [.text(nickname)]).first.map { ($0.user, $0.passwordHash) }
    }

    /// `User.query.filter_by(token=token).first()`.
    func user(token: String) throws -> User? { try self.users(where: "token = ?", [.text(token)]).first?.user }

    /// `GET /api/users`: ordered by `updated_at`, then nickname; `online` and `updated_since` filter.
    func users(online: Bool?, updatedSince: Int?) throws -> [User] {
        var conditions = ["1"]
        var bindings: [SQLiteDatabase.Value] = []
        if let online {
            conditions.append("online = ?")
            bindings.append(.integer(online ? 1 : 0))
        }
        if let updatedSince {
            conditions.append("updated_at > ?")
            bindings.append(.integer(updatedSince))
        }
        return try self.users(where: conditions.joined(separator: " AND ") + " ORDER BY updated_at ASC, nickname ASC", bindings).map(\.user)
    }

    /// The user's token, made (64 hex characters from 32 random bytes) when it has none.
    func token(for userID: Int) throws -> String {
        if let existing = try self.users(where: "id = ?", [.integer(userID)]).first?.token { return existing }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
        }.joined()
        try self.database.query("UPDATE users SET token = ?, updated_at = ? WHERE id = ?", [.text(token), .integer(timestamp()), .integer(userID)])
        return token
    }

    /// `DELETE /api/tokens`.
    func revokeToken(for userID: Int) throws {
        try self.database.query("UPDATE users SET token = NULL, updated_at = ? WHERE id = ?", [.integer(timestamp()), .integer(userID)])
    }

    /// `User.ping()` + commit: seen now, and online. Returns the user, and whether it just came
    /// online (Flack then pushes it to every client).
    func ping(userID: Int) throws -> (user: User, cameOnline: Bool)? {
        guard let before = try self.user(id: userID) else { return nil }
        let now = timestamp()
        try self.database.query(
            "UPDATE users SET last_seen_at = ?, online = 1, updated_at = ? WHERE id = ?",
            [.integer(now), .integer(now), .integer(userID)]
        )
        guard let after = try self.user(id: userID) else { return nil }
        return (after, !before.online)
    }

    /// The `disconnect` handler's update: the user of that nickname goes offline.
    func setOffline(nickname: String) throws -> User? {
        guard let user = try self.users(where: "nickname = ?", [.text(nickname)]).first?.user else { return nil }
        try self.database.query("UPDATE users SET online = 0, updated_at = ? WHERE id = ?", [.integer(timestamp()), .integer(user.id)])
        return try self.user(id: user.id)
    }

    /// `User.find_offline_users()`: online users not seen for `seconds` go offline.
    func findOfflineUsers(notSeenFor seconds: Int) throws -> [User] {
        let now = timestamp()
        let stale = try self.users(where: "last_seen_at < ? AND online = 1", [.integer(now - seconds)]).map(\.user)
        for user in stale {
            try self.database.query("UPDATE users SET online = 0, updated_at = ? WHERE id = ?", [.integer(now), .integer(user.id)])
        }
        return try stale.compactMap { try self.user(id: $0.id) }
    }

    private static func message(_ row: [SQLiteDatabase.Value]) -> Message {
        let id = row[0].integer ?? 0
        let userID = row[5].integer ?? 0
        return Message(
            id: id,
            created_at: row[1].integer ?? 0,
            updated_at: row[2].integer ?? 0,
            source: row[3].text ?? "",
            html: row[4].text ?? "",
            user_id: userID,
            _links: .init(self: "/api/messages/\(id)", user: "/api/users/\(userID)")
        )
    }

    /// `GET /api/messages`: updated after `since`, but no more than a day back.
    func messages(updatedSince since: Int) throws -> [Message] {
        let since = max(since, timestamp() - 24 * 60 * 60)
        return try self.database.query(
            "SELECT id, created_at, updated_at, source, html, user_id FROM messages WHERE updated_at > ? ORDER BY updated_at",
            [.integer(since)]
        ).map(Self.message)
    }

    func message(id: Int) throws -> Message? {
        try self.database.query("SELECT id, created_at, updated_at, source, html, user_id FROM messages WHERE id = ?", [.integer(id)])
            .first.map(Self.message)
    }
}
