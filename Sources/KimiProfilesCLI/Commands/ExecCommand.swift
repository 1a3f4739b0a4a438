import KimiProfilesCore

/// `exec -- COMMAND`: runs a command with the chosen profile's credentials in its environment.
///
/// The process is replaced with `execve`, so signals, the terminal and the exit status belong
/// to the command. Nothing else runs on this path: no network, no other profile's secrets.
struct ExecCommand: Command {
    static let name = "exec"
    static let abstract = "run a command with the chosen profile's credentials"
    static let usage = "exec [-p NAME] [--anthropic] [--no-proxy] [--quiet] [--] COMMAND [ARG...]"
    static let discussion = """
        Sets KIMI_PROFILE, KIMI_API_KEY, KIMI_BASE_URL, KIMI_CLIENT_ID (OAuth profiles) and
        OPENCODE_CONFIG_CONTENT (merged into any JSON already there), then replaces itself with
        COMMAND, found on PATH. The exit status is the command's own; 127 when it is not found,
        126 when it cannot be executed. When KIMI_PROFILE is set (by an enclosing exec or by
        the shell) and this folder's .kimi-profile names another profile, exec refuses to
        guess: pass -p to choose.

        For an OAuth profile the access token is refreshed first when less than max(300 s,
        half its lifetime) remains. This version passes the credential itself for every
        profile kind, as --no-proxy does; the credential proxy that keeps OAuth tokens fresh
        for long sessions is not in it yet, so a session outliving its token needs a restart.
        """
    static let options: [OptionSpec] = [
        .profile,
        OptionSpec("anthropic", help: "also set ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY (Claude Code)"),
        OptionSpec("no-proxy", help: "pass the credential itself (the only mode in this version)"),
        OptionSpec("quiet", short: "q", help: "accepted for scripts; this version prints nothing of its own"),
    ]
    static let stopsAtOperand = true

    let explicit: String?
    let anthropic: Bool
    let command: [String]

    init(_ arguments: ParsedArguments) throws {
        explicit = arguments.value("profile")
        anthropic = arguments.has("anthropic")
        guard !arguments.positionals.isEmpty else {
            throw UsageError("missing COMMAND to run", command: Self.self)
        }
        command = arguments.positionals
    }

    func run(_ context: Context) throws -> Int32 {
        let (executable, variables) = try prepare(context)
        // The vault and every other handle are closed by now; the environment's bytes live in
        // wiped memory until execve replaces the process.
        try Launcher.execute(
            executable: executable, arguments: command, environment: context.environment,
            overrides: variables, descriptors: context.descriptors)
    }

    private func prepare(_ context: Context) throws -> (String, [LaunchEnvironment.Variable]) {
        try refuseNesting(context)
        let session = try CredentialSession.open(context, explicit: explicit)
        let variables = try session.environment(
            anthropic: anthropic, callerEnvironment: context.environment
        ).variables
        let executable = try ExecutableLookup.resolve(command[0], path: context.environment["PATH"])
        return (executable, variables)
    }

    /// Inside an exec session KIMI_PROFILE is set, and it outranks `.kimi-profile`. When this
    /// folder's file names another profile, running silently with the outer one would surprise
    /// (and so would switching), so it is refused unless -p says which one is meant.
    private func refuseNesting(_ context: Context) throws {
        guard explicit == nil, let outer = context.environment["KIMI_PROFILE"], !outer.isEmpty,
            let path = ProjectFile.find(from: context.workingDirectory),
            let inner = try? ProjectFile.read(path), inner != outer
        else { return }
        throw ExecError.nested(outer: outer, requested: inner, source: .projectFile(path))
    }
}
