// socketio-server: the deployable server. See `socketio-server --help`.
import EngineIO
import Logging

let arguments = Array(CommandLine.arguments.dropFirst())
let outcome: CommandLineParser.Outcome
do {
    outcome = try CommandLineParser.parse(arguments)
} catch {
    StandardOutput.error("socketio-server: \(error)\nRun `socketio-server --help` for the options.")
    Process.exit(64)  // EX_USAGE
}

switch outcome {
case .help:
    StandardOutput.write(CommandLineParser.helpText)
case .version:
    StandardOutput.line("socketio-server \(Version.current)")
case .run(let subcommand, let flags):
    let settings: Settings
    do {
        settings = try Settings.resolve(flags: flags, environment: Process.environment(for: OptionSpec.all), readFile: Process.readTextFile)
    } catch {
        StandardOutput.error("socketio-server: \(error)")
        Process.exit(64)
    }
    LogSetup.bootstrap(level: settings.string("log-level"), format: settings.string("log-format"))
    // TLS files are read and checked before anything binds: a bad file is a config error.
    let tls: HTTPServerTLS?
    do {
        tls = try TLSSetup.load(settings)
    } catch {
        StandardOutput.error("socketio-server: \(error)")
        Process.exit(78)  // EX_CONFIG
    }
    do {
        try await ServerRunner(subcommand: subcommand, settings: settings, tls: tls).run()
    } catch {
        Logger(label: "socketio-server").critical("server failed: \(error)")
        Process.exit(1)
    }
}
