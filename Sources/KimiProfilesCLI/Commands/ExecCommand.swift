import KimiProfilesCore

/// `exec -- COMMAND`: runs a command with the chosen profile's credentials in its environment.
///
/// API-key profiles (and `--no-proxy`) replace the process with `execve`, so signals, the
/// terminal and the exit status belong to the command, and nothing else runs on the path: no
/// network, no other profile's secrets. OAuth profiles get the credential proxy instead: the
/// command holds a per-session secret and talks to a loopback listener that forwards to Kimi
/// with a fresh access token for as long as the command runs (SPEC §6).
struct ExecCommand: Command {
    static let name = "exec"
    static let abstract = "run a command with the chosen profile's credentials"
    static let usage = "exec [-p NAME] [--anthropic] [--no-proxy] [--quiet] [--] COMMAND [ARG...]"
    static let discussion = """
        Sets KIMI_PROFILE, KIMI_API_KEY, KIMI_BASE_URL, KIMI_CLIENT_ID (OAuth profiles) and
        OPENCODE_CONFIG_CONTENT (merged into any JSON already there), and runs COMMAND, found
        on PATH. The exit status is the command's own (128+N when it died of signal N); 127
        when it is not found, 126 when it cannot be executed. When KIMI_PROFILE is set (by an
        enclosing exec or by the shell) and this folder's .kimi-profile names another profile,
        exec refuses to guess: pass -p to choose.

        For an OAuth profile exec starts a credential proxy on 127.0.0.1 for the life of the
        command: KIMI_BASE_URL points at it and KIMI_API_KEY holds a random per-session secret,
        never a token. The proxy forwards requests under the API base to Kimi with an access
        token it keeps fresh, and stops when the command exits. SIGINT, SIGTERM, SIGHUP and
        SIGQUIT reach the command and do not stop exec before it. With --no-proxy (and for
        API-key profiles) the credential itself is set and exec replaces itself with COMMAND;
        an OAuth access token is refreshed first when less than max(300 s, half its lifetime)
        remains, and nothing renews it afterwards.

        When the proxy ran, exec prints one line after the command ends: how much of each quota
        window the session used and what is left (fetched as the command starts and again at
        its end). --quiet or KIMI_PROFILES_QUIET=1 turns it off; it never changes the status.
        """
    static let options: [OptionSpec] = [
        .profile,
        OptionSpec("anthropic", help: "also set ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY (Claude Code)"),
        OptionSpec("no-proxy", help: "pass the credential itself instead of running the proxy"),
        OptionSpec("quiet", short: "q", help: "no usage summary after the session (also KIMI_PROFILES_QUIET=1)"),
    ]
    static let stopsAtOperand = true

    let explicit: String?
    let anthropic: Bool
    let noProxy: Bool
    let quiet: Bool
    let command: [String]

    init(_ arguments: ParsedArguments) throws {
        explicit = arguments.value("profile")
        anthropic = arguments.has("anthropic")
        noProxy = arguments.has("no-proxy")
        quiet = arguments.has("quiet")
        guard !arguments.positionals.isEmpty else {
            throw UsageError("missing COMMAND to run", command: Self.self)
        }
        command = arguments.positionals
    }

    func run(_ context: Context) throws -> Int32 {
        try refuseNesting(context)
        let executable = try ExecutableLookup.resolve(command[0], path: context.environment["PATH"])
        let session = try CredentialSession.open(context, explicit: explicit)
        session.warnIfLoginAging(context)
        if session.profile.kind == .oauth && !noProxy {
            return try runProxied(session, executable: executable, context)
        }
        let variables = try session.environment(
            anthropic: anthropic, callerEnvironment: context.environment
        ).variables
        // The environment's bytes live in wiped memory until execve replaces the process; the
        // vault's descriptors are close-on-exec.
        try Launcher.execute(
            executable: executable, arguments: command, environment: context.environment,
            overrides: variables, descriptors: context.descriptors)
    }

    /// The OAuth path: proxy on a loopback port, the command as a child, its status returned.
    private func runProxied(_ session: CredentialSession, executable: String, _ context: Context) throws -> Int32 {
        // Before any thread starts, so that every thread inherits the mask and only the main
        // thread takes these signals (to forward them).
        ChildProcess.blockSignals()
        let profile = session.profile
        guard let upstream = HTTPURL(profile.baseURL) else {
            throw CommandFailure(ExitStatus.vault, "profile '\(profile.name)' has an unusable base URL")
        }
        let tokens = TokenSource(vault: session.vault, profile: profile, clock: context.clock) { vault in
            context.refresher(vault)
        }
        let secret = Secret(SecureBytes(count: 32) { KernelRandom.fill($0) }.hexSecret())
        let client = HTTPClient(
            configuration: HTTPClientConfiguration(
                readTimeout: 300, totalTimeout: 600, userAgent: KimiProfilesVersion.userAgent,
                environment: context.environment))
        let proxy = CredentialProxy(
            secret: secret, upstream: upstream, tokens: tokens, client: client, profileName: profile.name,
            log: context.log, clock: context.clock, notice: { line in StandardError.write(line) })
        let base = try proxy.start()
        defer { proxy.stop() }
        context.log("proxy for profile \(profile.name) listening at \(base)")
        var variables = try LaunchEnvironment(
            profile: profile, credential: secret, baseURL: base, anthropic: anthropic,
            callerEnvironment: context.environment
        ).variables
        variables += Self.loopbackExemptions(context.environment)
        let usage = quiet || context.isQuiet ? nil : sessionUsage(profile, tokens: tokens, context)
        let status = try ChildProcess.run(
            executable: executable, arguments: command, environment: variables, base: context.environment,
            descriptors: context.descriptors, onStart: { _ in usage?.begin() })
        proxy.stop()
        if let usage, let (start, end) = usage.finish() {
            for fetched in [start, end] {
                try? session.vault.recordUsage(fetched.report, for: profile, at: fetched.at)
            }
            if let line = SessionUsage.summary(start: start.report, end: end.report) {
                StandardError.write("kimi-profiles: " + line)
            }
        }
        return status
    }

    /// `NO_PROXY` and `no_proxy` with 127.0.0.1 and localhost added, so that a command that
    /// honours `http_proxy` still reaches the loopback proxy directly.
    static func loopbackExemptions(_ environment: [String: String]) -> [LaunchEnvironment.Variable] {
        ["NO_PROXY", "no_proxy"].map { name in
            var entries = (environment[name] ?? "").split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }
                .filter { !$0.isEmpty }
            for host in ["127.0.0.1", "localhost"] where !entries.contains(host) { entries.append(host) }
            return LaunchEnvironment.Variable(name: name, text: entries.joined(separator: ","))
        }
    }

    /// The usage fetches around the session, with short timeouts: the summary is a courtesy,
    /// never a reason to hold the terminal.
    private func sessionUsage(_ profile: Profile, tokens: TokenSource, _ context: Context) -> SessionUsage {
        let client = UsageClient(
            transport: HTTPClient(
                configuration: HTTPClientConfiguration(
                    connectTimeout: 3, readTimeout: 5, totalTimeout: 6, userAgent: KimiProfilesVersion.userAgent,
                    environment: context.environment)),
            log: context.log, clock: context.clock)
        return SessionUsage(clock: context.clock) {
            guard let token = try? tokens.current() else { return nil }
            return try? client.fetch(profile: profile, credential: token).get()
        }
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
