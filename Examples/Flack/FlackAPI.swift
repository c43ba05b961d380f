import EngineIO
import Foundation
import NIOCore
import NIOHTTP1
import SocketIOAdmin

/// Flack's REST API (`flack/api/`): users, tokens and messages, with HTTP basic auth for a
/// token and bearer tokens after that. The JavaScript client registers and logs in here, then
/// talks Socket.IO.
///
/// Not ported: `POST`/`PUT /api/messages` and `PUT /api/users/<id>`, which Flack runs inside a
/// Celery worker by pickling the WSGI environ (`tasks.async_task`); its client posts messages
/// over Socket.IO (`post_message`), which is ported.
struct FlackAPI: Sendable {
    let store: FlackStore
    let events: FlackEvents
    /// bcrypt's cost for new password hashes (Flack: werkzeug's `generate_password_hash`).
    let passwordCost: Int

    private struct Credentials: Decodable {
        var nickname: String?
        var password: String?
    }

    func respond(to request: HTTPServerRequest) async -> HTTPServerResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        do {
            switch (request.method, parts) {
            case (.POST, ["api", "users"]): return try await self.newUser(request)
            case (.GET, ["api", "users"]):
                guard await self.optionalToken(request) else { return Self.authenticationRequired }
                let online = request.query["online"].map { $0 != "0" }
                let users = try await self.store.users(online: online, updatedSince: request.query["updated_since"].flatMap { Int($0) })
                return try Self.json(["users": users])
            case (.GET, let path) where path.count == 3 && path[0] == "api" && path[1] == "users":
                guard await self.optionalToken(request) else { return Self.authenticationRequired }
                guard let id = Int(path[2]), let user = try await self.store.user(id: id) else { return Self.notFound }
                return try Self.json(user)
            case (.POST, ["api", "tokens"]):
                guard let user = await self.basicAuth(request) else { return Self.authenticationRequired }
                return try Self.json(["token": try await self.store.token(for: user.id)])
            case (.DELETE, ["api", "tokens"]):
                guard let user = await self.bearerUser(request) else { return Self.authenticationRequired }
                try await self.store.revokeToken(for: user.id)
                return HTTPServerResponse(status: .noContent)
            case (.GET, ["api", "messages"]):
                guard await self.optionalToken(request) else { return Self.authenticationRequired }
                let since = request.query["updated_since"].flatMap { Int($0) } ?? 0
                return try Self.json(["messages": try await self.store.messages(updatedSince: since)])
            case (.GET, let path) where path.count == 3 && path[0] == "api" && path[1] == "messages":
                guard await self.optionalToken(request) else { return Self.authenticationRequired }
                guard let id = Int(path[2]), let message = try await self.store.message(id: id) else { return Self.notFound }
                return try Self.json(message)
            case (.GET, []):
                return .text("Flack, ported to swift-socketio: the REST API is under /api/, Socket.IO at /socket.io/.\n")
            default:
                return Self.notFound
            }
        } catch {
            return .text("{\"error\": \"internal server error\"}", status: .internalServerError, contentType: "application/json")
        }
    }

    /// `POST /api/users`: 400 when a field is missing or the nickname is taken.
    private func newUser(_ request: HTTPServerRequest) async throws -> HTTPServerResponse {
        guard let credentials = try? JSONDecoder().decode(Credentials.self, from: Data(request.body.readableBytesView)),
            let nickname = credentials.nickname, let password = credentials.password,
            (1...32).contains(nickname.utf8.count)
        else { return Self.badRequest }
        let hash = BcryptHash.make(password: password, cost: self.passwordCost).description
        guard let user = try await self.store.createUser(nickname: nickname, passwordHash: hash) else { return Self.badRequest }
        var response = try Self.json(user, status: .created)
        response.headers.replaceOrAdd(name: "location", value: user._links.`self`)
        return response
    }

    /// `basic_auth.verify_password`: the user, marked seen (pushed when it came online).
    private func basicAuth(_ request: HTTPServerRequest) async -> User? {
        guard let header = request.headers.first(name: "authorization"), header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":")
        else { return nil }
        let nickname = String(pair[..<colon])
        let password = String(pair[pair.index(after: colon)...])
        guard !nickname.isEmpty, !password.isEmpty,
            let (user, hash) = try? await self.store.credentials(nickname: nickname),
            let stored = try? BcryptHash(hash), stored.verify(password),
            let (seen, cameOnline) = try? await self.store.ping(userID: user.id)
        else { return nil }
        if cameOnline { self.events.push(seen) }
        return seen
    }

    private static func bearerToken(_ request: HTTPServerRequest) -> String? {
        guard let header = request.headers.first(name: "authorization"), header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    /// `token_auth`: a valid bearer token is required.
    private func bearerUser(_ request: HTTPServerRequest) async -> User? {
        await self.events.verifyToken(Self.bearerToken(request))
    }

    /// `token_optional_auth`: no token is fine; a token that is given must be valid.
    private func optionalToken(_ request: HTTPServerRequest) async -> Bool {
        guard let token = Self.bearerToken(request), !token.isEmpty else { return true }
        return await self.events.verifyToken(token) != nil
    }

    private static func json(_ value: some Encodable, status: HTTPResponseStatus = .ok) throws -> HTTPServerResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return HTTPServerResponse(
            status: status,
            headers: ["content-type": "application/json"],
            body: ByteBuffer(bytes: try encoder.encode(value))
        )
    }

    /// Flack's 401: JSON, and a `Bearer` realm so that browsers show no login prompt.
    static let authenticationRequired = HTTPServerResponse(
        status: .unauthorized,
        headers: ["content-type": "application/json", "www-authenticate": "Bearer realm=\"Authentication Required\""],
        body: ByteBuffer(string: "{\"error\": \"authentication required\"}")
    )
    static let badRequest = HTTPServerResponse.text("{\"error\": \"bad request\"}", status: .badRequest, contentType: "application/json")
    static let notFound = HTTPServerResponse.text("{\"error\": \"not found\"}", status: .notFound, contentType: "application/json")
}
