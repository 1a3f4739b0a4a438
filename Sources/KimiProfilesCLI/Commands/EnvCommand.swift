import KimiProfilesCore

/// `env`: prints the variables `exec` would set, for `eval`, direnv or fish.
struct EnvCommand: Command {
    static let name = "env"
    static let abstract = "print the variables exec would set (sh, fish or JSON)"
    static let usage = "env [-p NAME] [--format sh|fish|json] [--anthropic]"
    static let discussion = """
        The output holds the real credential, since a shell cannot use a proxy: treat it as a
        secret. For direnv, put 'eval "$(kimi-profiles env)"' in .envrc.
        """
    static let options: [OptionSpec] = [
        .profile,
        OptionSpec("format", value: "sh|fish|json", help: "output syntax (default sh)"),
        OptionSpec("anthropic", help: "also print ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY"),
    ]

    enum Format: String {
        case sh
        case fish
        case json
    }

    let explicit: String?
    let format: Format
    let anthropic: Bool

    init(_ arguments: ParsedArguments) throws {
        try arguments.noOperands(for: Self.self)
        explicit = arguments.value("profile")
        let formatName = arguments.value("format") ?? "sh"
        guard let format = Format(rawValue: formatName) else {
            throw UsageError("--format must be sh, fish or json, not '\(formatName)'", command: Self.self)
        }
        self.format = format
        anthropic = arguments.has("anthropic")
    }

    func run(_ context: Context) throws -> Int32 {
        let session = try CredentialSession.open(context, explicit: explicit)
        let variables = try session.environment(
            anthropic: anthropic, callerEnvironment: context.environment
        ).variables
        let text = ShellSyntax.render(variables, format: format)
        text.withUnsafeBytes { context.stdout.write(secret: $0) }
        return ExitStatus.success
    }
}

/// Quoting for `env`, done over bytes in wiped memory since values hold the credential.
enum ShellSyntax {
    static func render(_ variables: [LaunchEnvironment.Variable], format: EnvCommand.Format) -> SecureBytes {
        var pieces: [Piece] = []
        switch format {
        case .sh:
            for variable in variables {
                pieces += [.text("export \(variable.name)='"), .quoted(variable.value, .sh), .text("'\n")]
            }
        case .fish:
            for variable in variables {
                pieces += [.text("set -gx \(variable.name) '"), .quoted(variable.value, .fish), .text("'\n")]
            }
        case .json:
            pieces.append(.text("{\n"))
            for (index, variable) in variables.enumerated() {
                pieces += [.text("  \"\(variable.name)\": \""), .quoted(variable.value, .json)]
                pieces.append(.text(index == variables.count - 1 ? "\"\n" : "\",\n"))
            }
            pieces.append(.text("}\n"))
        }
        let total = pieces.reduce(0) { $0 + $1.count }
        return SecureBytes(count: total) { out in
            var offset = 0
            for piece in pieces { piece.write(into: out, at: &offset) }
        }
    }

    enum Style {
        case sh
        case fish
        case json
    }

    enum Piece {
        case text(String)
        case quoted(SecureBytes, Style)

        var count: Int {
            switch self {
            case let .text(text): return text.utf8.count
            case let .quoted(bytes, style):
                return bytes.withUnsafeBytes { value in
                    switch style {
                    case .json: return JSONEscaping.escapedCount(value)
                    // ' becomes '\'' (4 bytes for 1)
                    case .sh: return value.reduce(0) { $0 + ($1 == 0x27 ? 4 : 1) }
                    // ' and \ gain a backslash
                    case .fish: return value.reduce(0) { $0 + ($1 == 0x27 || $1 == 0x5c ? 2 : 1) }
                    }
                }
            }
        }

        func write(into out: UnsafeMutableRawBufferPointer, at offset: inout Int) {
            switch self {
            case let .text(text):
                for byte in text.utf8 {
                    out[offset] = byte
                    offset += 1
                }
            case let .quoted(bytes, style):
                bytes.withUnsafeBytes { value in
                    if style == .json {
                        JSONEscaping.escape(value, into: out, at: &offset)
                        return
                    }
                    for byte in value {
                        if style == .sh, byte == 0x27 {
                            for b in Array("'\\''".utf8) {
                                out[offset] = b
                                offset += 1
                            }
                            continue
                        }
                        if style == .fish, byte == 0x27 || byte == 0x5c {
                            out[offset] = 0x5c
                            offset += 1
                        }
                        out[offset] = byte
                        offset += 1
                    }
                }
            }
        }
    }
}
