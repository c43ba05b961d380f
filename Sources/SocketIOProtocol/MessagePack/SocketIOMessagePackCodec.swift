import EngineIOProtocol
package import NIOCore

/// Socket.IO packets over MessagePack, the wire of Node's `socket.io-msgpack-parser` 3.0
/// (`index.js`) and of python-socketio's `serializer='msgpack'` (`msgpack_packet.py`): each
/// packet is one Engine.IO *binary* message holding one map `{type, data, id, nsp}`.
///
/// - Types 0–4 only: there is no BINARY_EVENT or BINARY_ACK, since bytes travel inside the map
///   as MessagePack `bin`, and so no attachments.
/// - Decoding checks what the parser's `checkPacket` checks: `type` an integer 0–4, `nsp` a
///   string, `data` absent or a map for CONNECT, absent for DISCONNECT, a string or a map for
///   CONNECT_ERROR, an array for EVENT and ACK, and `id` absent or an integer. Other keys (the
///   JS client writes `options: {compress}`) are read and ignored.
/// - Then the rules every packet of this server follows, whatever the wire (those of the JSON
///   decoder, ``SocketIOPacketDecoder``): an EVENT needs a name (a string that is not reserved,
///   or a number), an ACK needs an id, and an id lies in 0...2^53 − 1. Node's msgpack parser
///   does not check event names, so a client could emit `disconnect` to a Node server's own
///   listeners; we refuse it as the JSON wire does.
/// - python-socketio writes `data: nil` for a CONNECT without auth and for DISCONNECT; Node's
///   parser would refuse both. We take `nil` as absent there, or python-socketio could not
///   connect.
///
/// Values map to ``SocketIOValue`` as Node sees them: `bin` and notepack 2.x's `ArrayBuffer`
/// (ext type 0) are binary; notepack's `undefined` (fixext 1, type 0) is dropped from maps and
/// `null` in arrays; a `Date` (notepack 2.x fixext 8 type 0, or the timestamp extension −1) is
/// its ISO 8601 text; other extensions are their bytes; a map key that is not a string is the
/// property name JavaScript makes of it (``SocketIOValue/objectKey(_:)``). Encoding writes
/// numbers as notepack does (whole numbers as integers), so Node, the browser and Python read
/// exactly what a Node server would have sent.
///
/// Limits: the message is already bounded by Engine.IO's `maxPayload`; nesting by `maxDepth`
/// (arrays and maps); every declared length and count is checked against the bytes left before
/// anything is reserved (``MessagePackReader``). Decoding is linear in the message: each byte is
/// read once, and map keys go through ``SocketIOObject/Builder``.
package enum SocketIOMessagePackCodec {
    // MARK: - Encoding

    /// Appends `packet` as one MessagePack map, in the key order of Node's server
    /// (`{type, data, id, nsp}`, absent keys left out).
    package static func encode(_ packet: SocketIOPacket, into buffer: inout ByteBuffer) {
        let type: SocketIOPacketType
        switch packet.type {
        case .binaryEvent: type = .event
        case .binaryAck: type = .ack
        default: type = packet.type
        }
        // The map header, then `"type"` and the type (0–4, a fixint): three bytes and a word.
        buffer.writeInteger(UInt8(0x82 + (packet.data == nil ? 0 : 1) + (packet.id == nil ? 0 : 1)))
        buffer.writeBytes(Self.typeKey)
        buffer.writeInteger(type.rawValue)
        if let data = packet.data {
            buffer.writeBytes(Self.dataKey)
            self.write(data, into: &buffer)
        }
        if let id = packet.id {
            buffer.writeBytes(Self.idKey)
            MessagePackWriter.write(integer: Int64(id), into: &buffer)
        }
        buffer.writeBytes(Self.namespaceKey)
        MessagePackWriter.write(string: packet.namespace, into: &buffer)
    }

    /// The four keys, as fixstr.
    private static let typeKey: [UInt8] = [0xa4] + Array("type".utf8)
    private static let dataKey: [UInt8] = [0xa4] + Array("data".utf8)
    private static let idKey: [UInt8] = [0xa2] + Array("id".utf8)
    private static let namespaceKey: [UInt8] = [0xa3] + Array("nsp".utf8)

    /// The bytes ``encode(_:into:)`` writes for `packet`, so that its buffer is reserved once
    /// rather than grown (and copied) while a large payload is written.
    package static func encodedSize(_ packet: SocketIOPacket) -> Int {
        var size = 1 + 5 + MessagePackWriter.size(integer: Int64(packet.type.rawValue))  // map header, "type", type
        if let data = packet.data { size += 5 + Self.size(of: data) }
        if let id = packet.id { size += 3 + MessagePackWriter.size(integer: Int64(id)) }
        return size + 4 + MessagePackWriter.size(stringOfLength: packet.namespace.utf8.count)
    }

    /// The bytes ``write(_:into:)`` writes for `value`.
    package static func size(of value: SocketIOValue) -> Int {
        switch value {
        case .null, .bool: return 1
        case .int(let int): return MessagePackWriter.size(integer: Int64(int))
        case .double(let double): return MessagePackWriter.size(number: double)
        case .string(let string): return MessagePackWriter.size(stringOfLength: string.utf8.count)
        case .binary(let bytes): return MessagePackWriter.size(binaryOfLength: bytes.readableBytes)
        case .array(let elements):
            var size = MessagePackWriter.size(containerHeader: elements.count)
            for element in elements { size += Self.size(of: element) }
            return size
        case .object(let object):
            var size = MessagePackWriter.size(containerHeader: object.entries.count)
            for entry in object.entries {
                size += MessagePackWriter.size(stringOfLength: entry.key.utf8.count) + Self.size(of: entry.value)
            }
            return size
        }
    }

    /// `value` as notepack writes the same JavaScript value.
    package static func write(_ value: SocketIOValue, into buffer: inout ByteBuffer) {
        switch value {
        case .null: MessagePackWriter.writeNil(into: &buffer)
        case .bool(let bool): MessagePackWriter.write(bool: bool, into: &buffer)
        case .int(let int): MessagePackWriter.write(integer: Int64(int), into: &buffer)
        case .double(let double): MessagePackWriter.write(number: double, into: &buffer)
        case .string(let string): MessagePackWriter.write(string: string, into: &buffer)
        case .binary(let bytes): MessagePackWriter.write(binary: bytes, into: &buffer)
        case .array(let elements):
            MessagePackWriter.writeArrayHeader(elements.count, into: &buffer)
            for element in elements { self.write(element, into: &buffer) }
        case .object(let object):
            MessagePackWriter.writeMapHeader(object.entries.count, into: &buffer)
            for entry in object.entries {
                MessagePackWriter.write(string: entry.key, into: &buffer)
                self.write(entry.value, into: &buffer)
            }
        }
    }

    // MARK: - Decoding

    /// Decodes the one packet `message` holds (an Engine.IO binary message's bytes).
    ///
    /// - Parameters:
    ///   - message: The message.
    ///   - maxDepth: The most arrays and maps that may nest in a value of the packet (its own
    ///     map not counted), as ``SocketIOPacketDecoder/maxDepth`` for JSON.
    /// - Throws: ``SocketIOProtocolError`` with `invalidMessagePack` (not one MessagePack value,
    ///   or not a map), `nestingTooDeep`, `unknownPacketType`, `invalidNamespace`,
    ///   `invalidPayload`, `invalidAckID` or `ackIDOverflow`.
    package static func decode(_ message: ByteBuffer, maxDepth: Int) throws(SocketIOProtocolError) -> SocketIOPacket {
        var reader = MessagePackReader(message)
        let fields = try Self.readFields(&reader, maxDepth: maxDepth)
        guard reader.isAtEnd else { throw SocketIOProtocolError(.invalidMessagePack, offset: reader.offset) }

        // socket.io-msgpack-parser's checkPacket, in its order.
        guard let number = fields.type?.intValue, (0...Int(SocketIOPacketType.connectError.rawValue)).contains(number),
            let type = SocketIOPacketType(rawValue: UInt8(number))
        else { throw SocketIOProtocolError(.unknownPacketType) }
        guard case .string(let namespace)? = fields.namespace else { throw SocketIOProtocolError(.invalidNamespace) }
        var data = fields.data
        if type == .connect || type == .disconnect, data == .null { data = nil }  // python-socketio
        let shapeIsValid: Bool
        switch (type, data) {
        case (.connect, nil), (.connect, .object?), (.disconnect, nil): shapeIsValid = true
        case (.connectError, .string?), (.connectError, .object?): shapeIsValid = true
        case (.event, .array?), (.ack, .array?): shapeIsValid = true
        default: shapeIsValid = false
        }
        guard shapeIsValid else { throw SocketIOProtocolError(.invalidPayload) }
        var id: Int?
        if let rawID = fields.id {
            guard let number = rawID.intValue, number >= 0 else { throw SocketIOProtocolError(.invalidAckID) }
            guard number <= SocketIOPacketDecoder.maxAckID else { throw SocketIOProtocolError(.ackIDOverflow) }
            id = number
        }
        // This server's rules on either wire: a named EVENT, an ACK with an id.
        guard SocketIOPacketDecoder.isPayloadValid(type: type, data: data, id: id) else {
            throw SocketIOProtocolError(.invalidPayload)
        }
        return SocketIOPacket(type: type, namespace: namespace, id: id, data: data)
    }

    /// The four keys of a packet map, as read (`nil` when absent or `undefined`; a repeated
    /// key's last value wins, as in a JavaScript object).
    private struct Fields {
        var type: SocketIOValue?
        var namespace: SocketIOValue?
        var data: SocketIOValue?
        var id: SocketIOValue?
    }

    private static func readFields(_ reader: inout MessagePackReader, maxDepth: Int) throws(SocketIOProtocolError) -> Fields {
        let token: MessagePackReader.Token
        do {
            token = try reader.next()
        } catch {
            throw Self.error(error, at: reader)
        }
        // Anything else has no `type`: notepack gives a number, a string or an array, and
        // checkPacket says "invalid packet type"; it is not a packet of this wire at all.
        guard case .map(let count) = token else { throw SocketIOProtocolError(.invalidMessagePack, offset: 0) }
        var fields = Fields()
        for _ in 0..<count {
            // The four keys are matched on their bytes, with no `String` made for them; any
            // other key (`options` from the JS client) is read and ignored with its value.
            var key = (length: -1, packed: UInt64(0))
            if let short = reader.shortString() {
                key = short
            } else {
                _ = try Self.readValue(&reader, depth: 0, maxDepth: maxDepth)
            }
            // The packet's own map is the envelope, not a level of the payload: `data` nests as
            // deep as the JSON wire's payload may.
            let value = try Self.readValue(&reader, depth: 0, maxDepth: maxDepth)
            if key == (4, 0x7479_7065) {  // "type"
                fields.type = value
            } else if key == (3, 0x6e_7370) {  // "nsp"
                fields.namespace = value
            } else if key == (4, 0x6461_7461) {  // "data"
                fields.data = value
            } else if key == (2, 0x6964) {  // "id"
                fields.id = value
            }
        }
        return fields
    }

    /// One value at nesting `depth`; `nil` for notepack's `undefined`.
    private static func readValue(
        _ reader: inout MessagePackReader,
        depth: Int,
        maxDepth: Int
    ) throws(SocketIOProtocolError) -> SocketIOValue? {
        let token: MessagePackReader.Token
        do {
            token = try reader.next()
        } catch {
            throw Self.error(error, at: reader)
        }
        switch token {
        case .nil: return .null
        case .bool(let bool): return .bool(bool)
        case .int(let int): return Int(exactly: int).map(SocketIOValue.int) ?? .double(Double(int))
        case .uint(let uint): return .double(Double(uint))  // as notepack: a JavaScript number
        case .double(let double): return .double(double)
        case .string(let string): return .string(string)
        case .binary(let bytes): return .binary(bytes)
        case .ext(let type, let data):
            let value = MessagePackValue(extension: type, data: data)
            // Not `cond ? nil : …`: `nil` would be taken for `SocketIOValue.null`.
            if value == .undefined { return .none }
            return SocketIOValue(messagePack: value)
        case .array(let count):
            guard depth < maxDepth else { throw SocketIOProtocolError(.nestingTooDeep, offset: reader.offset) }
            // The reader checked `count` against the bytes left: reserving is safe.
            var elements: [SocketIOValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count {
                elements.append(try Self.readValue(&reader, depth: depth + 1, maxDepth: maxDepth) ?? .null)
            }
            return .array(elements)
        case .map(let count):
            guard depth < maxDepth else { throw SocketIOProtocolError(.nestingTooDeep, offset: reader.offset) }
            // Linear in the map's size, repeated keys included (the last value wins).
            var object = SocketIOObject.Builder(capacity: count)
            for _ in 0..<count {
                let key = try Self.readValue(&reader, depth: depth + 1, maxDepth: maxDepth)
                guard let value = try Self.readValue(&reader, depth: depth + 1, maxDepth: maxDepth) else { continue }
                object.set(SocketIOValue.objectKey(key), value)
            }
            return .object(object.object)
        }
    }

    private static func error(_ error: MessagePackError, at reader: MessagePackReader) -> SocketIOProtocolError {
        SocketIOProtocolError(error == .tooDeep ? .nestingTooDeep : .invalidMessagePack, offset: reader.offset)
    }
}
