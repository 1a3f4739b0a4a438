import KimiProfilesCore

/// The command-line front end: parses, dispatches, and turns every error into a message and an
/// exit status in one place (`ErrorReport`).
public enum KimiProfilesCLI {
    public static var version: String { KimiProfilesVersion.current }

    /// Runs one invocation; `arguments` excludes the program name.
    public static func run(_ arguments: [String], context: Context) -> Int32 {
        defer {
            context.stdout.flush()
            context.stderr.flush()
        }
        var chosen: (any Command.Type)?
        do {
            guard let first = arguments.first else {
                Help.printOverview(to: context.stderr)
                return ExitStatus.usage
            }
            switch first {
            case "--version", "-V":
                context.stdout.line("kimi-profiles \(version)")
                return ExitStatus.success
            case "--help", "-h":
                Help.printOverview(to: context.stdout)
                return ExitStatus.success
            default:
                break
            }
            guard let type = command(named: first) else {
                var message = "unknown command '\(first)'"
                let names = visibleCommands.flatMap { [$0.name] + $0.aliases }
                if first.hasPrefix("-") {
                    message = "unknown option '\(first)'"
                    if let near = Suggestion.closest(to: first, in: ["--help", "--version"]) {
                        message += ". Did you mean '\(near)'?"
                    }
                } else if let near = Suggestion.closest(to: first, in: names) {
                    message += ". Did you mean '\(near)'?"
                }
                throw UsageError(message)
            }
            chosen = type
            let parsed = try ArgumentParser.parse(Array(arguments.dropFirst()), for: type)
            if parsed.has("help") {
                Help.printCommand(type, to: context.stdout)
                return ExitStatus.success
            }
            let instance = try type.init(parsed)
            return try instance.run(context)
        } catch {
            return ErrorReport.report(error, command: chosen, to: context.stderr)
        }
    }
}

/// The exit statuses of SPEC §5.
enum ExitStatus {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 2
    static let noProfile: Int32 = 3
    static let loginRequired: Int32 = 4
    static let vault: Int32 = 5
}
