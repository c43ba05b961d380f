/// Parses `socketio-server [SUBCOMMAND] [--option value | --option=value]... [-h|--help]`.
///
/// Written here rather than with swift-argument-parser, which links FoundationEssentials and
/// kept the static binary over its 15 MiB budget (18.4 MiB against 14.x without it).
struct CommandLineParser {
    enum Subcommand: String, CaseIterable, Sendable {
        case demo, e2e, conformance

        var summary: String {
            switch self {
            case .demo: return "Serve the demo app (the default)."
            case .e2e: return "Serve the end-to-end test app (any origin allowed, /health)."
            case .conformance: return "Serve what the official Engine.IO/Socket.IO suites expect."
            }
        }
    }

    enum Outcome {
        case run(Subcommand, flags: [String: String])
        case help
        case version
    }

    static func parse(_ arguments: [String]) throws -> Outcome {
        var subcommand = Subcommand.demo
        var flags: [String: String] = [:]
        var index = 0
        if let first = arguments.first, !first.hasPrefix("-") {
            guard let named = Subcommand(rawValue: first) else {
                throw CommandLineError("unknown subcommand '\(first)' (expected \(Subcommand.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            subcommand = named
            index = 1
        }
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "-h" || argument == "--help" || argument == "help" { return .help }
            if argument == "--version" { return .version }
            guard argument.hasPrefix("--") else { throw CommandLineError("unexpected argument '\(argument)'") }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let spec = OptionSpec.named(name) else { throw CommandLineError("unknown option '--\(name)'") }
            if value == nil {
                guard index < arguments.count else { throw CommandLineError("--\(name) needs a value (\(spec.valueName))") }
                value = arguments[index]
                index += 1
            }
            flags[spec.name] = value
        }
        return .run(subcommand, flags: flags)
    }

    static var helpText: String {
        var text = """
            OVERVIEW: A Socket.IO v5 / Engine.IO v4 server on SwiftNIO, in one binary.

            USAGE: socketio-server [demo|e2e|conformance] [--option value ...]

            SUBCOMMANDS:

            """
        for subcommand in Subcommand.allCases {
            text += "  " + subcommand.rawValue.padded(to: 14) + subcommand.summary + "\n"
        }
        text += """

            OPTIONS (a flag wins over the environment, which wins over the config file):

            """
        for spec in OptionSpec.all {
            let flags = ([spec.name] + spec.aliases).map { "--\($0)" }.joined(separator: ", ")
            text += "  \(flags) <\(spec.valueName)>\n"
            text += "      \(spec.help)\n"
            var facts = "      env \(spec.environmentName)"
            if !spec.defaultValue.isEmpty { facts += "; default \(spec.defaultValue)" }
            text += facts + "\n"
        }
        text += """
              -h, --help          Show this help.
              --version           Show the version.

            Signals: SIGTERM or SIGINT stop accepting, tell clients the server is going away,
            wait up to --drain-timeout for them to leave, then exit 0. GET /health answers 503
            while draining. SIGHUP reloads --tls-cert and --tls-key: new connections get the new
            certificate, open ones keep theirs; a reload that fails keeps the old one.

            """
        return text
    }
}

extension String {
    func padded(to width: Int) -> String {
        self.count >= width ? self + " " : self + String(repeating: " ", count: width - self.count)
    }
}
