import KimiProfilesCore

/// `use NAME` sets the global active profile; `use --project NAME` pins the working folder with
/// a `.kimi-profile`; `use --unset` clears the global choice.
struct UseCommand: Command {
    static let name = "use"
    static let abstract = "choose the active profile, or pin one for this project"
    static let usage = "use NAME | use --project NAME | use --unset"
    static let discussion = """
        use NAME makes NAME the active profile everywhere. use --project NAME writes
        ./.kimi-profile, which wins over the active profile in this folder and below it.
        KIMI_PROFILE and -p win over both; 'kimi-profiles current' shows which rule chose.
        """
    static let options: [OptionSpec] = [
        OptionSpec("project", help: "write ./.kimi-profile instead of changing the active profile"),
        OptionSpec("unset", help: "clear the active profile"),
    ]

    enum Action {
        case activate(String)
        case pin(String)
        case unset
    }

    let action: Action

    init(_ arguments: ParsedArguments) throws {
        if arguments.has("unset") {
            if arguments.has("project") {
                throw UsageError("--unset and --project cannot be combined; delete ./.kimi-profile instead", command: Self.self)
            }
            try arguments.noOperands(for: Self.self)
            action = .unset
            return
        }
        let name = try arguments.profileNameOperand(for: Self.self)
        action = arguments.has("project") ? .pin(name) : .activate(name)
    }

    func run(_ context: Context) throws -> Int32 {
        switch action {
        case .unset:
            if let vault = try context.openVault(create: false) { try vault.setActive(nil) }
            context.stderr.line("No profile is active now.")
        case let .activate(name):
            guard let vault = try context.openVault(create: false) else {
                throw VaultError.profileNotFound(name)
            }
            try vault.setActive(name)
            context.stderr.line("'\(name)' is now the active profile.")
            noteOverrides(name, context)
        case let .pin(name):
            guard let vault = try context.openVault(create: false),
                try vault.profile(named: name) != nil
            else {
                throw VaultError.profileNotFound(name)
            }
            let path = FileSystem.join(context.workingDirectory, ProjectFile.fileName)
            let text = Array(ProjectFile.contents(for: name).utf8)
            try text.withUnsafeBytes { bytes in
                try FileSystem.replace(path, bytes: bytes, mode: 0o644)
            }
            context.stderr.line("Wrote \(path): this folder and those below it use '\(name)'.")
        }
        return ExitStatus.success
    }

    /// Says when a stronger rule still picks another profile here, so `use` never seems to fail.
    private func noteOverrides(_ name: String, _ context: Context) {
        guard let requested = try? context.resolver(explicit: nil).requestedName(),
            requested.name != name
        else { return }
        context.stderr.line(
            "note: here \(requested.source.description) still chooses '\(requested.name)', which takes precedence")
    }
}
