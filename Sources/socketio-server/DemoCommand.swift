import ArgumentParser

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Serve the demo app (the default).")
    @OptionGroup var options: ServerOptions
    func run() async throws {}
}

struct E2ECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "e2e", abstract: "Serve the end-to-end test app.")
    @OptionGroup var options: ServerOptions
    func run() async throws {}
}
