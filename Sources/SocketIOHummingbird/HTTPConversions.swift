import EngineIO
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

// Hummingbird speaks swift-http-types; the engine speaks NIOHTTP1 (as its own HTTPServer does).

extension EngineIORequest {
    init(hummingbird request: Request, remoteAddress: SocketAddress?) {
        var headers = HTTPHeaders()
        for field in request.headers { headers.add(name: field.name.rawName, value: field.value) }
        self.init(
            method: HTTPMethod(rawValue: request.method.rawValue),
            uri: request.uri.string,
            headers: headers,
            remoteAddress: remoteAddress
        )
    }
}

extension HTTPFields {
    init(_ headers: HTTPHeaders) {
        self.init()
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { self.append(HTTPField(name: name, value: value)) }
        }
    }
}
