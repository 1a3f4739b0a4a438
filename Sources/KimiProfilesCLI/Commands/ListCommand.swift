import KimiProfilesCore

/// `list`: every profile with its kind, state and last use; `*` marks the active one.
struct ListCommand: Command {
    static let name = "list"
    static let aliases = ["ls"]
    static let abstract = "list the profiles, their state and the active one"
    static let usage = "list [--json]"
    static let options: [OptionSpec] = [.json]

    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        try arguments.noOperands(for: Self.self)
        json = arguments.has("json")
    }

    func run(_ context: Context) throws -> Int32 {
        let vault = try context.openVault(create: false)
        let profiles = try vault?.profiles() ?? []
        let activeID = try vault?.activeProfile()?.id
        let now = context.clock.seconds()
        let states = profiles.map { profile in
            vault.map { ProfileState.of(profile, in: $0, now: now) } ?? .damaged
        }
        if json {
            let items = zip(profiles, states).map { profile, state in
                JSONValue.object(profile.json(state: state, active: profile.id == activeID))
            }
            context.stdout.line(JSONValue.object(["profiles": .array(items)]).prettyText())
            return ExitStatus.success
        }
        guard !profiles.isEmpty else {
            context.stderr.line("No profiles yet. Log one in with 'kimi-profiles add NAME', or store a key with --api-key-stdin.")
            return ExitStatus.success
        }
        var rows = [["", "NAME", "KIND", "STATE", "LAST USED"]]
        for (profile, state) in zip(profiles, states) {
            var summary = state.summary(profile, now: now)
            if state != .damaged, let note = profile.agingLoginNote(now: now) { summary += " (\(note))" }
            rows.append([
                profile.id == activeID ? "*" : " ", profile.name, profile.kind.rawValue,
                summary, Formatting.ago(profile.lastUsedAt, now: now),
            ])
        }
        let out = context.stdout
        for (index, line) in Formatting.table(rows).enumerated() {
            if index == 0 {
                out.line(out.paint(line, .bold))
            } else if states[index - 1] == .damaged {
                out.line(out.paint(line, .red))
            } else if profiles[index - 1].agingLoginNote(now: now) != nil {
                out.line(out.paint(line, .yellow))
            } else if profiles[index - 1].id == activeID {
                out.line(out.paint(line, .green))
            } else {
                out.line(line)
            }
        }
        for (profile, state) in zip(profiles, states) where state != .damaged {
            if let warning = profile.agingLoginWarning(now: now) { context.stderr.line("kimi-profiles: " + warning) }
        }
        return ExitStatus.success
    }
}
