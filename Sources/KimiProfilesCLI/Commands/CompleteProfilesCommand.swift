import KimiProfilesCore

/// `__complete-profiles`: the profile names, one per line, for the completion scripts.
///
/// Hidden from help. Opens no credential and creates nothing: without a vault it prints
/// nothing, and any failure is silent (a completion must never spill errors onto the line
/// being typed) with status 1.
struct CompleteProfilesCommand: Command {
    static let name = "__complete-profiles"
    static let abstract = "print the profile names, one per line (for completion scripts)"
    static let usage = "__complete-profiles"
    static let options: [OptionSpec] = []
    static let isHidden = true

    init(_ arguments: ParsedArguments) throws {
        try arguments.noOperands(for: Self.self)
    }

    func run(_ context: Context) throws -> Int32 {
        let names: [String]
        do {
            guard let vault = try context.openVault(create: false) else { return ExitStatus.success }
            names = try vault.profileNames()
        } catch {
            return ExitStatus.failure
        }
        for name in names { context.stdout.line(name) }
        return ExitStatus.success
    }
}
