import ArgumentParser

@main
struct SocketIOServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "socketio-server",
        abstract: "A Socket.IO v5 / Engine.IO v4 server on SwiftNIO.",
        subcommands: [DemoCommand.self, ConformanceCommand.self, E2ECommand.self],
        defaultSubcommand: DemoCommand.self
    )
}

/// Options every subcommand takes.
struct ServerOptions: ParsableArguments {
    @Option(help: "The address or host name to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The TCP port to listen on (0 picks a free one).")
    var port: Int = 3000

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"
}
