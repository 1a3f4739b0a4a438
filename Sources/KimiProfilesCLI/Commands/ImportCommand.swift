import KimiProfilesCore

/// `import NAME --from SOURCE`: brings in a login that another tool already holds (SPEC §9),
/// without a device flow and without any network call.
struct ImportCommand: Command {
    static let name = "import"
    static let abstract = "import a login from opencode-kimi-auth, kimi-cli, kimi-code or OpenCode"
    static let usage =
        "import NAME --from opencode-kimi-auth|kimi-cli|kimi-code|opencode [--path P] [--client-id ID] [--region cn|global] [--oauth-host URL] [--base-url URL] [--use]"
    static let discussion = """
        Reads the login another tool stored and adds it as profile NAME. Nothing is sent over
        the network, and the source's files are only read, never changed.

        Sources and where each is looked for:
        opencode-kimi-auth  ~/.opencode-kimi-auth/oauth.json, sealed with the .key beside it
                            (plaintext files of plugin 0.1 are read too)
        kimi-cli            $KIMI_SHARE_DIR/credentials/kimi-code.json (default ~/.kimi)
        kimi-code           $KIMI_CODE_HOME/credentials/kimi-code.json (default ~/.kimi-code)
        opencode            $XDG_DATA_HOME/opencode/auth.json (default ~/.local/share),
                            entry kimi-for-coding: an API key or OAuth tokens
        --path names the file, or the folder that holds it.

        The profile gets the region's OAuth host and base URL (cn unless --region global) and
        Kimi's public client id, unless --client-id, --oauth-host or --base-url say otherwise,
        and a new device id.

        Refresh tokens are single-use: after kimi-profiles first refreshes an imported OAuth
        login, the source tool's copy stops working and that tool must log in again.

        A missing, unreadable, damaged or undecryptable source exits 1 and changes nothing; so
        does a NAME that is taken.
        """
    static let options: [OptionSpec] = [
        OptionSpec(
            "from", value: "SOURCE", help: "where the login is: opencode-kimi-auth, kimi-cli, kimi-code or opencode"),
        OptionSpec("path", value: "P", help: "the source's file, or its folder (default: where the tool keeps it)"),
        OptionSpec("client-id", value: "ID", help: "the OAuth client id the tokens belong to (default: Kimi's)"),
        .region,
        .oauthHost,
        .baseURL,
        .use,
    ]

    let name: String
    let source: ImportSource
    let path: String?
    let endpoints: OAuthOptions
    let makeActive: Bool
    /// Whether --client-id or --oauth-host was given (they do not apply to an API key).
    let oauthOnlyOptions: Bool

    init(_ arguments: ParsedArguments) throws {
        name = try arguments.profileNameOperand(for: Self.self)
        guard let from = arguments.value("from") else {
            throw UsageError("missing --from SOURCE", command: Self.self)
        }
        guard let source = ImportSource(rawValue: from) else {
            let names = ImportSource.allCases.map(\.rawValue)
            var message = "--from must be one of \(names.joined(separator: ", ")), not '\(from)'"
            if let suggestion = Suggestion.closest(to: from, in: names) {
                message += ". Did you mean '\(suggestion)'?"
            }
            throw UsageError(message, command: Self.self)
        }
        self.source = source
        if let path = arguments.value("path"), path.isEmpty {
            throw UsageError("--path needs a file or folder", command: Self.self)
        }
        path = arguments.value("path")
        endpoints = try OAuthOptions(arguments, command: Self.self)
        makeActive = arguments.has("use")
        oauthOnlyOptions = arguments.value("client-id") != nil || arguments.value("oauth-host") != nil
    }

    func run(_ context: Context) throws -> Int32 {
        // A taken name fails before anything sensitive is read.
        if let existing = try context.openVault(create: false), try existing.profile(named: name) != nil {
            throw VaultError.profileExists(name)
        }
        let now = context.clock.seconds()
        let login: ImportedLogin
        do {
            login = try source.load(path: path.map(absolute(in: context)), environment: context.environment, now: now)
        } catch {
            throw CommandFailure(ExitStatus.failure, error.description, hint: error.hint)
        }
        let profile: Profile
        switch login.credential {
        case let .apiKey(key):
            if oauthOnlyOptions {
                context.stderr.line("warning: --client-id and --oauth-host do not apply to an API key; ignored")
            }
            context.warnIfNotKimiKey(key)
            profile = .newAPIKey(name: name, baseURL: endpoints.baseURL, now: now)
        case let .oauth(tokens):
            // The tokens were issued to the source tool's client: Kimi's public one, unless
            // --client-id says otherwise (KIMI_CLIENT_ID is for new logins, not these).
            profile = Profile(
                id: SecureRandom.uuid(), name: name, kind: .oauth,
                clientID: endpoints.explicitClientID ?? Region.builtInClientID,
                oauthHost: endpoints.oauthHost, baseURL: endpoints.baseURL, createdAt: now, updatedAt: now,
                accessExpiresAt: tokens.expiresAt, deviceID: IdentityHeaders.newDeviceID(),
                refreshTokenIssuedAt: now)
        }
        let active = try context.storeNewProfile(profile, credential: login.credential, makeActive: makeActive)
        let kind = profile.kind == .oauth ? "OAuth" : "API key"
        context.stderr.line("Imported profile '\(name)' (\(kind)) from \(login.file).")
        if profile.kind == .oauth {
            context.stderr.line(
                "warning: refresh tokens are single-use. Once kimi-profiles refreshes '\(name)' (access tokens last about 15 minutes), \(source.rawValue)'s copy of this login stops working.")
            context.stderr.line("To use \(source.rawValue) again afterwards, log it in again: \(source.loginAdvice).")
        } else {
            context.stderr.line("The key is unchanged and still works in OpenCode too.")
        }
        if active { context.stderr.line("'\(name)' is now the active profile.") }
        return ExitStatus.success
    }

    /// `--path` relative to the working folder.
    private func absolute(in context: Context) -> (String) -> String {
        { path in path.hasPrefix("/") ? path : FileSystem.join(context.workingDirectory, path) }
    }
}
