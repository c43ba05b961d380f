import NIOCore
import SocketIO
@_spi(Fuzzing) import SocketIOProtocol
import Testing

@_spi(Fuzzing) @testable import SocketIORedisAdapter

/// Requests and responses of Node's redis-adapter as named types, their numbers on the wire,
/// and the error each malformed message gives.
@Suite("NodeAdapterWire: requests, responses, decode errors")
struct NodeAdapterWireTests {
    @Test func theNumbersOnTheWireAreNodes() {
        let requests: [NodeAdapterWire.RequestType] = [
            .sockets, .allRooms, .remoteJoin, .remoteLeave, .remoteDisconnect, .remoteFetch, .serverSideEmit, .broadcast,
            .broadcastClientCount, .broadcastAck,
        ]
        #expect(requests.map(\.rawValue) == Array(0...9))
        #expect(NodeAdapterWire.ResponseType.serverSideEmit.rawValue == 6)
        #expect(NodeAdapterWire.ResponseType.broadcastClientCount.rawValue == 8)
        #expect(NodeAdapterWire.ResponseType.broadcastAck.rawValue == 9)
    }

    @Test func responsesAreEncodedAsNodeSendsThem() throws {
        let count = NodeAdapterWire.encodeResponse(.broadcastClientCount, requestID: "q", ["clientCount": 2])
        #expect(String(buffer: count) == #"{"type":8,"requestId":"q","clientCount":2}"#)
        let emit = NodeAdapterWire.encodeResponse(.serverSideEmit, requestID: "q", ["data": "ok"])
        #expect(String(buffer: emit) == #"{"type":6,"requestId":"q","data":"ok"}"#)
        // Acks may carry binary: MessagePack.
        let ack = NodeAdapterWire.encodeResponse(.broadcastAck, requestID: "q", ["packet": "yes"])
        #expect(try MessagePackDecoder().decode(ack) == ["type": 9, "requestId": "q", "packet": "yes"])
    }

    @Test func responsesDecodeToTheirCases() throws {
        #expect(
            try NodeAdapterWire.decodeResponse(ByteBuffer(string: #"{"type":8,"requestId":"q","clientCount":3}"#))
                == .broadcastClientCount(requestID: "q", count: 3)
        )
        let ack = NodeAdapterWire.encodeResponse(.broadcastAck, requestID: "q", ["packet": "yes"])
        #expect(try NodeAdapterWire.decodeResponse(ack) == .broadcastAck(requestID: "q", answer: "yes"))
        let fetch: SocketIOValue = ["requestId": "q", "sockets": []]
        #expect(try NodeAdapterWire.decodeResponse(ByteBuffer(string: #"{"requestId":"q","sockets":[]}"#)) == .answer(requestID: "q", fetch))
    }

    @Test func requestsDecodeWithTheirTypeAndOptions() throws {
        let request = try NodeAdapterWire.decodeRequest(
            ByteBuffer(string: #"{"uid":"node1","requestId":"q","type":5,"opts":{"rooms":["r"],"except":["x"]}}"#)
        )
        #expect(request.type == .remoteFetch)
        #expect(request.uid == "node1")
        #expect(request.requestID == "q")
        #expect(request.options == BroadcastOptions(rooms: ["r"], except: ["x"]))
    }

    @Test(arguments: [
        (#"{not json"#, ClusterMessageError.undecodable(MessagePackError.truncated)),
        (#"{"sockets":[]}"#, .missingField("requestId")),
        (#"{"type":8,"requestId":"q"}"#, .missingField("clientCount")),
    ])
    func malformedResponsesGiveTheirError(payload: String, error: ClusterMessageError) {
        #expect(throws: error) { try NodeAdapterWire.decodeResponse(ByteBuffer(string: payload)) }
    }

    @Test func malformedRequestsAndBroadcastsGiveTheirError() {
        #expect(throws: ClusterMessageError.unknownType(42)) { try NodeAdapterWire.decodeRequest(ByteBuffer(string: #"{"type":42}"#)) }
        #expect(throws: ClusterMessageError.unknownType(nil)) { try NodeAdapterWire.decodeRequest(ByteBuffer(string: #"{"uid":"a"}"#)) }
        #expect(throws: ClusterMessageError.undecodable(MessagePackError.truncated)) {
            try NodeAdapterWire.decodeRequest(ByteBuffer(bytes: [0xc1]))
        }
        #expect(throws: ClusterMessageError.notABroadcast()) {
            try NodeAdapterWire.decodeBroadcast(MessagePackEncoder.encode(["uid", ["type": 0]]), namespace: "/")
        }
        #expect(throws: ClusterMessageError.undecodable(MessagePackError.truncated)) {
            try NodeAdapterWire.decodeBroadcast(ByteBuffer(bytes: [0x92]), namespace: "/")
        }
    }
}
