import SocketIO

let io = makeChatServer()
let server = try await HTTPServer.bind(host: "127.0.0.1", port: 5000, engines: [io.engine]) { request in
    // The page loads the light client built into the library: no CDN, so it works offline.
    if let script = LightClient.respond(to: request) { return script }
    return request.path == "/" ? .text(indexPage, contentType: "text/html; charset=utf-8") : .notFound
}
print("Flask-SocketIO example on http://127.0.0.1:5000/")
try await server.waitUntilClosed()
