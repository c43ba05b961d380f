import NIOCore
import Testing

@_spi(Fuzzing) @testable import SocketIORedisAdapter

@Suite("RESP2 codec, from the protocol's wire strings")
struct RESPTests {
    static func parseAll(_ text: String) throws -> [RESPValue] {
        var buffer = ByteBuffer(string: text)
        var values: [RESPValue] = []
        var parser = RESPParser()
        while let value = try parser.parse(&buffer) { values.append(value) }
        #expect(buffer.readableBytes == 0)
        return values
    }

    @Test func everyType() throws {
        let values = try Self.parseAll("+OK\r\n-ERR unknown command\r\n:1000\r\n:-3\r\n$5\r\nhello\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n")
        #expect(
            values == [
                .simpleString("OK"), .error("ERR unknown command"), .integer(1000), .integer(-3),
                .bulkString(ByteBuffer(string: "hello")), .bulkString(ByteBuffer()), .bulkString(nil), .array(nil), .array([]),
            ]
        )
    }

    @Test func pubSubPushesAreMessages() throws {
        let values = try Self.parseAll(
            "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n*4\r\n$8\r\npmessage\r\n$11\r\nsocket.io#*\r\n$12\r\nsocket.io#/#\r\n$3\r\n\u{01}\u{02}\u{03}\r\n*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n"
        )
        #expect(RedisMessage(values[0]) == RedisMessage(channel: "news", pattern: nil, payload: ByteBuffer(string: "hi")))
        #expect(RedisMessage(values[1])?.pattern == "socket.io#*")
        #expect(RedisMessage(values[1])?.channel == "socket.io#/#")
        #expect(RedisMessage(values[2]) == nil)  // a subscribe confirmation answers the SUBSCRIBE
    }

    @Test func bytesArriveOneAtATime() throws {
        let wire = Array("*2\r\n$3\r\nfoo\r\n*1\r\n:42\r\n".utf8)
        var buffer = ByteBuffer()
        var parsed: RESPValue?
        var parser = RESPParser()
        for (index, byte) in wire.enumerated() {
            buffer.writeInteger(byte)
            parsed = try parser.parse(&buffer)
            if index < wire.count - 1 { #expect(parsed == nil) }
        }
        #expect(parsed == .array([.bulkString(ByteBuffer(string: "foo")), .array([.integer(42)])]))
        #expect(buffer.readableBytes == 0)
    }

    @Test("malformed streams are errors", arguments: ["?x\r\n", ":abc\r\n", "$-2\r\n", "$3\r\nabcd\r\n", "*-5\r\n", "+OK\rX"])
    func malformed(_ wire: String) {
        var buffer = ByteBuffer(string: wire)
        var parser = RESPParser()
        #expect(throws: RESPError.self) { _ = try parser.parse(&buffer) }
    }

    @Test func hostileLengthsAreRefusedBeforeAllocating() {
        var bulk = ByteBuffer(string: "$99999999999\r\n")
        var parser = RESPParser()
        #expect(throws: RESPError.self) { _ = try parser.parse(&bulk) }
        var array = ByteBuffer(string: "*99999999999\r\n")
        parser = RESPParser()
        #expect(throws: RESPError.self) { _ = try parser.parse(&array) }
        var deep = ByteBuffer(string: String(repeating: "*1\r\n", count: 100) + ":1\r\n")
        parser = RESPParser()
        #expect(throws: RESPError.self) { _ = try parser.parse(&deep) }
    }

    @Test func commandsAreArraysOfBulkStrings() {
        var buffer = ByteBuffer()
        RESPCommandEncoder.encode(["PUBLISH", "socket.io#/#", .bytes(ByteBuffer(bytes: [0x93, 0x00]))], into: &buffer)
        #expect(buffer.readableBytesView.elementsEqual(Array("*3\r\n$7\r\nPUBLISH\r\n$12\r\nsocket.io#/#\r\n$2\r\n".utf8) + [0x93, 0x00, 13, 10]))
    }

    @Test(
        "redis:// URLs",
        arguments: [
            ("redis://127.0.0.1:6380/2", RedisURL(host: "127.0.0.1", port: 6380, database: 2)),
            ("redis://:s%40cret@cache.local:6379", RedisURL(host: "cache.local", port: 6379, password: "s@cret")),
            ("redis://user:pw@[::1]:7000/1", RedisURL(host: "::1", port: 7000, username: "user", password: "pw", database: 1)),
            ("redis://localhost", RedisURL(host: "localhost")),
            ("redis://", RedisURL()),
            // TLS, and an ACL user (issue 14).
            ("rediss://site:pw@redis.internal:6380/0", RedisURL(host: "redis.internal", port: 6380, username: "site", password: "pw", usesTLS: true)),
            ("rediss://127.0.0.1", RedisURL(host: "127.0.0.1", usesTLS: true)),
        ]
    )
    func urls(_ text: String, _ url: RedisURL) throws {
        #expect(try RedisURL(text) == url)
    }

    @Test func badURLsAndPasswordsStayOutOfLogs() throws {
        for bad in ["http://x", "redis://h:0", "redis://h:99999", "redis://h/x", "rediss:/h", "redis:h"] {
            #expect(throws: RESPError.self) { try RedisURL(bad) }
        }
        #expect(try RedisURL("redis://:secret@h:1/3").description == "redis://:***@h:1/3")
        #expect(try RedisURL("rediss://site:secret@h:1/3").description == "rediss://site:***@h:1/3")
        // Error messages show the URL with its credentials masked.
        for bad in ["rediss://site:secret@h:0", "redis://:secret@h/x", "redis://u:secret@h:port"] {
            do {
                _ = try RedisURL(bad)
                Issue.record("\(bad) parsed")
            } catch {
                #expect(!"\(error)".contains("secret"), "\(error)")
                #expect("\(error)".contains("***@h"), "\(error)")
            }
        }
    }
}
