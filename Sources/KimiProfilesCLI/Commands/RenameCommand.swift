import KimiProfilesCore

/// `rename OLD NEW`: the profile keeps its id, credential and active state.
struct RenameCommand: Command {
    static let name = "rename"
    static let abstract = "rename a profile"
    static let usage = "rename OLD NEW"
    static let discussion = """
        The profile keeps its credential and stays active if it was. .kimi-profile files and
        KIMI_PROFILE values that name OLD must be changed by hand.
        """
    static let options: [OptionSpec] = []

    let old: String
    let new: String

    init(_ arguments: ParsedArguments) throws {
        guard arguments.positionals.count == 2 else {
            throw UsageError("rename needs OLD and NEW", command: Self.self)
        }
        old = arguments.positionals[0]
        new = try ParsedArguments.checkedProfileName(arguments.positionals[1], for: Self.self)
    }

    func run(_ context: Context) throws -> Int32 {
        guard let vault = try context.openVault(create: false) else {
            throw VaultError.profileNotFound(old)
        }
        try vault.rename(old, to: new)
        context.stderr.line("Renamed '\(old)' to '\(new)'.")
        if let path = ProjectFile.find(from: context.workingDirectory),
            (try? ProjectFile.read(path)) == old
        {
            context.stderr.line("note: \(path) still names '\(old)'; change it to '\(new)'")
        }
        return ExitStatus.success
    }
}
