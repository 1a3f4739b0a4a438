import KimiProfilesCore

/// `add NAME`: logs an account in with the device flow, or with `--api-key-stdin` stores an
/// API key read from standard input.
struct AddCommand: Command {
    static let name = "add"
    static let abstract = "add a profile: log in with the device flow, or store an API key"
    static let usage =
        "add NAME [--client-id ID] [--region cn|global] [--oauth-host URL] [--base-url URL] [--api-key-stdin] [--no-browser] [--use]"
    static let discussion = """
        Without --api-key-stdin, logs in with the OAuth device flow: the page and code are shown
        on standard error, the browser is opened when there is a display, and the profile is
        stored once the request is approved. The client id is --client-id, else KIMI_CLIENT_ID,
        else Kimi's public client id.

        With --api-key-stdin the key is read from standard input, never from the command line:
        at a terminal it is asked for without echo; otherwise the whole of standard input is the
        key. Nothing is sent over the network.

        When no profile is active, the new one becomes active.
        """
    static let options: [OptionSpec] = [
        OptionSpec("client-id", value: "ID", help: "the OAuth client id (default: KIMI_CLIENT_ID, else Kimi's)"),
        .region,
        .oauthHost,
        .baseURL,
        OptionSpec("api-key-stdin", help: "store an sk-kimi-… API key read from standard input"),
        OptionSpec("no-browser", help: "do not open a browser for the login page"),
        .use,
    ]

    /// Keys longer than this are not API keys.
    static let keyLimit = 4096

    let name: String
    let endpoints: OAuthOptions
    let apiKey: Bool
    let makeActive: Bool
    let openBrowser: Bool

    init(_ arguments: ParsedArguments) throws {
        name = try arguments.profileNameOperand(for: Self.self)
        endpoints = try OAuthOptions(arguments, command: Self.self)
        apiKey = arguments.has("api-key-stdin")
        if apiKey, arguments.value("client-id") != nil || arguments.value("oauth-host") != nil {
            throw UsageError("--client-id and --oauth-host are for OAuth logins, not --api-key-stdin", command: Self.self)
        }
        makeActive = arguments.has("use")
        openBrowser = !arguments.has("no-browser")
    }

    func run(_ context: Context) throws -> Int32 {
        let now = context.clock.seconds()
        let profile: Profile
        let credential: Credential
        if apiKey {
            let key = try readKey(context)
            context.warnIfNotKimiKey(key)
            profile = .newAPIKey(name: name, baseURL: endpoints.baseURL, now: now)
            credential = .apiKey(key)
        } else {
            // Fail before the user approves anything if the name is taken.
            if let existing = try context.openVault(create: false), try existing.profile(named: name) != nil {
                throw VaultError.profileExists(name)
            }
            let clientID = try endpoints.clientID(context.environment)
            let deviceID = IdentityHeaders.newDeviceID()
            let client = OAuthClient(
                host: endpoints.oauthHostURL, clientID: clientID, transport: context.transport(),
                identity: IdentityHeaders(deviceID: deviceID), sleeper: context.sleeper, log: context.log,
                clock: context.clock)
            let tokens = try DeviceLogin(context: context, profileName: name, openBrowser: openBrowser)
                .run(client: client)
            profile = Profile(
                id: SecureRandom.uuid(), name: name, kind: .oauth, clientID: clientID,
                oauthHost: endpoints.oauthHost, baseURL: endpoints.baseURL, createdAt: now, updatedAt: now,
                accessExpiresAt: tokens.expiresAt, deviceID: deviceID, refreshTokenIssuedAt: now)
            credential = .oauth(tokens)
        }
        let active = try context.storeNewProfile(profile, credential: credential, makeActive: makeActive)
        context.stderr.line(
            apiKey ? "Added profile '\(name)' (API key)." : "Logged in: added profile '\(name)' (OAuth).")
        if active { context.stderr.line("'\(name)' is now the active profile.") }
        return ExitStatus.success
    }

    /// The key from standard input: one line without echo at a terminal, else the whole stream,
    /// trimmed of surrounding white space. It must be printable ASCII with no spaces.
    private func readKey(_ context: Context) throws -> Secret {
        let raw: SecureBytes?
        if context.stdin.isTerminal {
            context.stderr.write("API key for '\(name)' (input hidden): ")
            context.stderr.flush()
            raw = context.stdin.readSecretLine(limit: Self.keyLimit)
            context.stderr.line()
        } else {
            raw = context.stdin.readAll(limit: Self.keyLimit)
        }
        guard let raw else {
            throw CommandFailure(ExitStatus.usage, "the API key is longer than \(Self.keyLimit) bytes")
        }
        let trimmed: SecureBytes? = raw.withUnsafeBytes { bytes in
            var start = 0
            var end = bytes.count
            func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0a || b == 0x0d }
            while start < end, isSpace(bytes[start]) { start += 1 }
            while end > start, isSpace(bytes[end - 1]) { end -= 1 }
            let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            guard slice.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { return nil }
            return SecureBytes(copying: slice)
        }
        guard let trimmed else {
            throw CommandFailure(
                ExitStatus.usage, "the API key must be one line of printable ASCII without spaces")
        }
        guard trimmed.count > 0 else {
            throw CommandFailure(
                ExitStatus.usage, "no API key on standard input",
                hint: "pipe it in, e.g. from your password manager: pass show kimi | kimi-profiles add \(name) --api-key-stdin")
        }
        return Secret(trimmed)
    }
}

/// `--region`, `--oauth-host`, `--base-url` and `--client-id`, checked as SPEC §5 says: https,
/// or http for a loopback host only.
struct OAuthOptions {
    let region: Region
    let oauthHost: String
    let oauthHostURL: HTTPURL
    let baseURL: String
    let explicitClientID: String?

    init(_ arguments: ParsedArguments, command: any Command.Type) throws {
        let regionName = arguments.value("region") ?? Region.cn.rawValue
        guard let region = Region(rawValue: regionName) else {
            throw UsageError("--region must be cn or global, not '\(regionName)'", command: command)
        }
        self.region = region
        oauthHost = try Self.validated(arguments.value("oauth-host"), "--oauth-host", command) ?? region.oauthHost
        baseURL = try Self.validated(arguments.value("base-url"), "--base-url", command) ?? region.baseURL
        guard let url = HTTPURL(oauthHost) else {
            throw UsageError("--oauth-host: '\(oauthHost)' is not a URL", command: command)
        }
        oauthHostURL = url
        if let id = arguments.value("client-id") {
            guard Self.isPlausibleClientID(id) else {
                throw UsageError("--client-id: '\(id)' is not a client id (letters, digits, '-', '_', '.')", command: command)
            }
            explicitClientID = id
        } else {
            explicitClientID = nil
        }
    }

    /// `--client-id`, else `KIMI_CLIENT_ID`, else the built-in public client id.
    func clientID(_ environment: [String: String]) throws -> String {
        if let explicitClientID { return explicitClientID }
        if let fromEnvironment = environment["KIMI_CLIENT_ID"], !fromEnvironment.isEmpty {
            guard Self.isPlausibleClientID(fromEnvironment) else {
                throw UsageError("KIMI_CLIENT_ID: '\(fromEnvironment)' is not a client id (letters, digits, '-', '_', '.')")
            }
            return fromEnvironment
        }
        return Region.builtInClientID
    }

    static func isPlausibleClientID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 128
            && id.unicodeScalars.allSatisfy { CharacterSet.clientID.contains($0) }
    }

    private static func validated(_ url: String?, _ option: String, _ command: any Command.Type) throws -> String? {
        guard let url else { return nil }
        switch Endpoint.validate(url) {
        case let .success(valid): return valid
        case let .failure(error): throw UsageError("\(option): \(error)", command: command)
        }
    }
}

/// The characters a client id may hold.
enum CharacterSet {
    case clientID

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": return true
        default: return false
        }
    }
}
