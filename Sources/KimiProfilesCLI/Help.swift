/// Help text, built from the commands' own metadata so it cannot drift from the parser.
enum Help {
    static func printOverview(to out: Output) {
        out.line("kimi-profiles \(KimiProfilesCLI.version): several Kimi for Coding accounts, one at a time")
        out.line()
        out.line("usage: kimi-profiles COMMAND [OPTIONS]")
        out.line()
        out.line("commands:")
        let width = visibleCommands.map { $0.name.count }.max() ?? 0
        for type in visibleCommands {
            let padded = type.name.padding(toLength: width, withPad: " ", startingAt: 0)
            out.line("  \(padded)  \(type.abstract)")
        }
        out.line()
        out.line("Run 'kimi-profiles help COMMAND' for a command's options; see kimi-profiles(1).")
    }

    static func printCommand(_ type: any Command.Type, to out: Output) {
        out.line("usage: kimi-profiles \(type.usage)")
        out.line()
        out.line(type.abstract)
        if !type.aliases.isEmpty {
            out.line("alias: \(type.aliases.joined(separator: ", "))")
        }
        if !type.discussion.isEmpty {
            out.line()
            out.line(type.discussion)
        }
        let options = type.options + [.help]
        out.line()
        out.line("options:")
        let width = options.map { $0.synopsis.count }.max() ?? 0
        for option in options {
            let padded = option.synopsis.padding(toLength: width, withPad: " ", startingAt: 0)
            out.line("  \(padded)  \(option.help)")
        }
    }
}

/// `help [COMMAND]`.
struct HelpCommand: Command {
    static let name = "help"
    static let abstract = "show help for kimi-profiles or one command"
    static let usage = "help [COMMAND]"
    static let options: [OptionSpec] = []

    let topic: String?

    init(_ arguments: ParsedArguments) throws {
        if arguments.positionals.count > 1 {
            throw UsageError("help takes at most one command name", command: Self.self)
        }
        topic = arguments.positionals.first
    }

    func run(_ context: Context) throws -> Int32 {
        guard let topic else {
            Help.printOverview(to: context.stdout)
            return ExitStatus.success
        }
        guard let type = command(named: topic) else {
            var message = "unknown command '\(topic)'"
            if let near = Suggestion.closest(to: topic, in: visibleCommands.map { $0.name }) {
                message += ". Did you mean '\(near)'?"
            }
            throw UsageError(message)
        }
        Help.printCommand(type, to: context.stdout)
        return ExitStatus.success
    }
}

extension String {
    /// Pads with spaces on the right to `length` (shorter strings only).
    func padding(toLength length: Int, withPad pad: String, startingAt _: Int) -> String {
        count >= length ? self : self + String(repeating: pad, count: length - count)
    }
}
