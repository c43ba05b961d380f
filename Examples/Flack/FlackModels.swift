import Foundation

/// Flack's `User` model as its `to_dict()` gives it to clients (REST and `updated_model`).
struct User: Codable, Sendable, Equatable {
    struct Links: Codable, Sendable, Equatable {
        var `self`: String
        var messages: String
        var tokens: String
    }
    var id: Int
    var created_at: Int
    var updated_at: Int
    var nickname: String
    var last_seen_at: Int
    var online: Bool
    var _links: Links
}

/// Flack's `Message` model as its `to_dict()` gives it.
struct Message: Codable, Sendable, Equatable {
    struct Links: Codable, Sendable, Equatable {
        var `self`: String
        var user: String
    }
    var id: Int
    var created_at: Int
    var updated_at: Int
    var source: String
    var html: String
    var user_id: Int
    var _links: Links
}

/// The seconds since 1970, as Flack's `utils.timestamp()` (`int(time.time())`).
func timestamp() -> Int { Int(Date().timeIntervalSince1970) }
