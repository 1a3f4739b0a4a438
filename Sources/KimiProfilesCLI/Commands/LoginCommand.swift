import KimiProfilesCore

/// `login [NAME]`: runs the device flow again for an existing OAuth profile, keeping its id,
/// client id, hosts and device id, and replacing its tokens in one transaction.
struct LoginCommand: Command {
    static let name = "login"
    static let abstract = "log an existing OAuth profile in again (device flow)"
    static let usage = "login [NAME] [-p NAME] [--no-browser]"
    static let discussion = """
        Without NAME, logs in the profile the rules of 'current' choose. Use it when a command
        says the profile needs a new login (exit 4). The old tokens stay until the new ones
        are approved.
        """
    static let options: [OptionSpec] = [
        .profile,
        OptionSpec("no-browser", help: "do not open a browser for the login page"),
    ]

    let selection: ProfileSelection
    let openBrowser: Bool

    init(_ arguments: ParsedArguments) throws {
        selection = try ProfileSelection(arguments, for: Self.self)
        openBrowser = !arguments.has("no-browser")
    }

    func run(_ context: Context) throws -> Int32 {
        let vault = try context.openVault(create: false)
        let profile = try selection.profile(in: vault, context)
        guard let vault else { throw VaultError.profileNotFound(profile.name) }
        guard profile.kind == .oauth, let clientID = profile.clientID, let hostText = profile.oauthHost,
            let host = HTTPURL(hostText)
        else {
            throw CommandFailure(
                ExitStatus.usage, "profile '\(profile.name)' holds an API key; only OAuth profiles log in",
                hint: "to replace the key: kimi-profiles remove \(profile.name) && kimi-profiles add \(profile.name) --api-key-stdin")
        }
        let client = OAuthClient(
            host: host, clientID: clientID, transport: context.transport(),
            identity: IdentityHeaders(deviceID: profile.deviceID ?? IdentityHeaders.newDeviceID()),
            sleeper: context.sleeper, log: context.log, clock: context.clock)
        let tokens = try DeviceLogin(context: context, profileName: profile.name, openBrowser: openBrowser)
            .run(client: client)
        // A lock, so a refresh in another process cannot interleave with the new tokens.
        let lock = try ProfileLock(home: vault.home, profileID: profile.id, clock: context.clock, log: context.log)
        try vault.updateCredential(.oauth(tokens), for: profile)
        withExtendedLifetime(lock) {}
        context.stderr.line("Logged in: profile '\(profile.name)' has new tokens.")
        return ExitStatus.success
    }
}
