/// An option a command accepts.
struct OptionSpec: Sendable {
    /// The long name without dashes, e.g. "profile"; also the key in `ParsedArguments`.
    let name: String
    /// A one-letter short form, e.g. "p".
    let short: Character?
    /// The value's placeholder ("NAME"), or nil for a flag.
    let value: String?
    let help: String

    init(_ name: String, short: Character? = nil, value: String? = nil, help: String) {
        self.name = name
        self.short = short
        self.value = value
        self.help = help
    }

    /// The option as it appears in help: `-p, --profile NAME`.
    var synopsis: String {
        var text = short.map { "-\($0), " } ?? "    "
        text += "--\(name)"
        if let value { text += " \(value)" }
        return text
    }

    static let profile = OptionSpec(
        "profile", short: "p", value: "NAME", help: "use this profile (overrides every other rule)")
    static let json = OptionSpec("json", help: "print stable JSON (see kimi-profiles(1))")
    static let help = OptionSpec("help", short: "h", help: "show this help")
    static let region = OptionSpec("region", value: "cn|global", help: "Kimi's region: cn (default) or global")
    static let oauthHost = OptionSpec("oauth-host", value: "URL", help: "the OAuth host (default: the region's)")
    static let baseURL = OptionSpec(
        "base-url", value: "URL", help: "the API base URL (default: the region's …/coding/v1)")
    static let use = OptionSpec("use", help: "make the new profile the active one")
}

/// The options and operands of one command line, after parsing against the command's specs.
struct ParsedArguments {
    var flags: Set<String> = []
    var values: [String: String] = [:]
    var positionals: [String] = []

    func has(_ flag: String) -> Bool { flags.contains(flag) }
    func value(_ name: String) -> String? { values[name] }
}

/// A mistake in how the command was called (exit 2).
struct UsageError: Error, CustomStringConvertible {
    let message: String
    /// The command whose usage line to show, when known.
    let command: (any Command.Type)?

    init(_ message: String, command: (any Command.Type)? = nil) {
        self.message = message
        self.command = command
    }

    var description: String { message }
}

enum ArgumentParser {
    /// Parses `arguments` for `command`. `--` ends the options; with `stopsAtOperand`, so does
    /// the first operand (for `exec`, whose command line follows). `--name=value` and
    /// `-p VALUE` both work.
    static func parse(
        _ arguments: [String], for command: any Command.Type
    ) throws -> ParsedArguments {
        let specs = command.options + [.help]
        var result = ParsedArguments()
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || argument == "-" || !argument.hasPrefix("-") {
                result.positionals.append(argument)
                if command.stopsAtOperand && !optionsEnded {
                    result.positionals += arguments[index...]
                    break
                }
                continue
            }
            if argument == "--" {
                optionsEnded = true
                if command.stopsAtOperand {
                    result.positionals += arguments[index...]
                    break
                }
                continue
            }
            let spec: OptionSpec
            var inlineValue: String?
            if argument.hasPrefix("--") {
                var name = String(argument.dropFirst(2))
                if let equals = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: equals)...])
                    name = String(name[..<equals])
                }
                guard let found = specs.first(where: { $0.name == name }) else {
                    throw unknownOption("--\(name)", specs: specs, command: command)
                }
                spec = found
            } else {
                let letters = Array(argument.dropFirst())
                guard letters.count == 1, let found = specs.first(where: { $0.short == letters[0] })
                else {
                    throw unknownOption(argument, specs: specs, command: command)
                }
                spec = found
            }
            if spec.value != nil {
                if let inlineValue {
                    result.values[spec.name] = inlineValue
                } else if index < arguments.count {
                    result.values[spec.name] = arguments[index]
                    index += 1
                } else {
                    throw UsageError("option --\(spec.name) needs a value", command: command)
                }
            } else {
                if inlineValue != nil {
                    throw UsageError("option --\(spec.name) takes no value", command: command)
                }
                result.flags.insert(spec.name)
            }
        }
        return result
    }

    private static func unknownOption(
        _ option: String, specs: [OptionSpec], command: any Command.Type
    ) -> UsageError {
        let candidates = specs.map { "--\($0.name)" }
        var message = "unknown option '\(option)' for '\(command.name)'"
        if let suggestion = Suggestion.closest(to: option, in: candidates) {
            message += ". Did you mean '\(suggestion)'?"
        }
        return UsageError(message, command: command)
    }
}

/// "Did you mean" by edit distance, as SwiftFormat's argument parser does.
enum Suggestion {
    /// The candidate nearest to `input`, if it is near enough to be a likely typo.
    static func closest(to input: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(input.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        let allowed = input.count <= 3 ? 1 : 2
        if best.1 <= allowed { return best.0 }
        if best.0.hasPrefix(input), input.count >= 2 { return best.0 }
        return nil
    }

    /// Edit distance in which a swap of two neighbouring letters counts as one edit
    /// (optimal string alignment), since "lsit" for "list" is the commonest typo.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
