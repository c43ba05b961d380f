/// The settings of one run, each taken from the first place that has it: a flag, then the
/// environment (`SOCKETIO_*`), then the config file, then the default.
struct Settings: Sendable {
    /// Where a value came from, for `--help`-style reporting and error messages.
    enum Source: String, Sendable {
        case flag, environment, file, `default`
    }

    private(set) var values: [String: (value: String, source: Source)] = [:]

    /// Resolves every option of ``OptionSpec/all``.
    ///
    /// - Parameters:
    ///   - flags: values given on the command line, by option name.
    ///   - environment: the process environment.
    ///   - readFile: reads the config file's text (injectable for tests).
    static func resolve(
        flags: [String: String],
        environment: [String: String],
        readFile: (String) throws -> String
    ) throws -> Settings {
        var settings = Settings()
        let configPath = flags["config"] ?? environment["SOCKETIO_CONFIG"]
        var file: [String: String] = [:]
        if let configPath, !configPath.isEmpty {
            file = try ConfigFile.parse(try readFile(configPath), path: configPath)
        }
        for spec in OptionSpec.all {
            let resolved: (String, Source)
            if let value = flags[spec.name] {
                resolved = (value, .flag)
            } else if let value = environment[spec.environmentName] {
                resolved = (value, .environment)
            } else if let value = file[spec.name] {
                resolved = (value, .file)
            } else {
                resolved = (spec.defaultValue, .default)
            }
            try Self.validate(resolved.0, for: spec, source: resolved.1)
            settings.values[spec.name] = resolved
        }
        return settings
    }

    private static func validate(_ value: String, for spec: OptionSpec, source: Source) throws {
        switch spec.kind {
        case .integer(let minimum):
            guard let number = Int(value), number >= minimum else {
                throw CommandLineError("--\(spec.name) (from the \(source.rawValue)) must be a whole number ≥ \(minimum), not '\(value)'")
            }
        case .choice(let choices):
            guard choices.contains(value) else {
                throw CommandLineError(
                    "--\(spec.name) (from the \(source.rawValue)) must be one of \(choices.joined(separator: ", ")), not '\(value)'"
                )
            }
        case .text:
            break
        }
    }

    func string(_ name: String) -> String { self.values[name]!.value }
    func int(_ name: String) -> Int { Int(self.values[name]!.value)! }
    func source(_ name: String) -> Source { self.values[name]!.source }

    /// A comma-separated list, without empty items.
    func list(_ name: String) -> [String] {
        self.string(name).split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
    }
}

/// The config file: `key = value` lines; `#` starts a comment; values may be quoted.
enum ConfigFile {
    static func parse(_ text: String, path: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine).trimmed
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw CommandLineError("\(path):\(index + 1): expected `key = value`")
            }
            let key = String(line[..<equals]).trimmed
            var value = String(line[line.index(after: equals)...]).trimmed
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            guard let spec = OptionSpec.named(key), spec.name != "config" else {
                throw CommandLineError("\(path):\(index + 1): unknown key '\(key)'")
            }
            values[spec.name] = value
        }
        return values
    }
}

struct CommandLineError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let first = s.first, first == " " || first == "\t" || first == "\r" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s.removeLast() }
        return String(s)
    }
}
