import KimiProfilesCore

/// `current`: the profile the rules choose here, and which rule chose it.
struct CurrentCommand: Command {
    static let name = "current"
    static let abstract = "show the profile chosen here and the rule that chose it"
    static let usage = "current [-p NAME] [--json]"
    static let discussion = """
        The rules, first match wins: -p/--profile, then KIMI_PROFILE, then the nearest
        .kimi-profile from this folder up to /, then the active profile set by 'use'.
        """
    static let options: [OptionSpec] = [.profile, .json]

    let explicit: String?
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        try arguments.noOperands(for: Self.self)
        explicit = arguments.value("profile")
        json = arguments.has("json")
    }

    func run(_ context: Context) throws -> Int32 {
        let vault = try context.openVault(create: false)
        let resolution = try context.resolver(explicit: explicit).resolve(in: vault)
        let profile = resolution.profile
        if json {
            let object: [String: JSONValue] = [
                "name": .string(profile.name),
                "id": .string(profile.id),
                "kind": .string(profile.kind.rawValue),
                "source": .string(resolution.source.rule),
                "path": resolution.source.path.map { .string($0) } ?? .null,
            ]
            context.stdout.line(JSONValue.object(object).prettyText())
        } else {
            let origin: String
            switch resolution.source {
            case .flag: origin = "from --profile"
            case .environment: origin = "from KIMI_PROFILE"
            case let .projectFile(path): origin = "from \(path)"
            case .active: origin = "the active profile"
            }
            context.stdout.line("\(profile.name) (\(origin))")
        }
        return ExitStatus.success
    }
}
