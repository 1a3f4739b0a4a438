import KimiProfilesCore

/// `token`: prints the chosen profile's credential alone, for credential helpers.
struct TokenCommand: Command {
    static let name = "token"
    static let abstract = "print the chosen profile's credential (for credential helpers)"
    static let usage = "token [-p NAME]"
    static let discussion = """
        Prints the API key or access token on standard output followed by a newline. This is the
        one output, with 'env', that holds a secret: do not paste it into logs.
        """
    static let options: [OptionSpec] = [.profile]

    let explicit: String?

    init(_ arguments: ParsedArguments) throws {
        try arguments.noOperands(for: Self.self)
        explicit = arguments.value("profile")
    }

    func run(_ context: Context) throws -> Int32 {
        let session = try CredentialSession.open(context, explicit: explicit)
        session.credential.bearer.withUnsafeBytes { context.stdout.write(secret: $0) }
        context.stdout.line()
        return ExitStatus.success
    }
}
