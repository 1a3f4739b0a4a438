import KimiProfilesCore

/// `remove NAME`: deletes a profile and its sealed credential. Asks first at a terminal;
/// elsewhere it needs `--yes`, so a script never deletes by accident.
struct RemoveCommand: Command {
    static let name = "remove"
    static let aliases = ["rm"]
    static let abstract = "remove a profile and its credential"
    static let usage = "remove NAME [--yes]"
    static let options: [OptionSpec] = [
        OptionSpec("yes", short: "y", help: "do not ask for confirmation")
    ]

    let name: String
    let confirmed: Bool

    init(_ arguments: ParsedArguments) throws {
        name = try arguments.operand("NAME", for: Self.self)
        confirmed = arguments.has("yes")
    }

    func run(_ context: Context) throws -> Int32 {
        guard let vault = try context.openVault(create: false),
            try vault.profile(named: name) != nil
        else {
            throw VaultError.profileNotFound(name)
        }
        if !confirmed {
            guard context.stdin.isTerminal else {
                throw CommandFailure(
                    ExitStatus.usage, "not removing '\(name)' without confirmation",
                    hint: "pass --yes to remove it from a script")
            }
            context.stderr.write("Remove profile '\(name)' and its credential? [y/N] ")
            context.stderr.flush()
            let answer = context.stdin.readLine()?.lowercased() ?? ""
            guard answer == "y" || answer == "yes" else {
                context.stderr.line("Nothing removed.")
                return ExitStatus.failure
            }
        }
        try vault.remove(name)
        context.stderr.line("Removed profile '\(name)'.")
        return ExitStatus.success
    }
}
