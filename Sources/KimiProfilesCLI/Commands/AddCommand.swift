import KimiProfilesCore

/// `add NAME`: stores a new profile. With `--api-key-stdin` the key comes from standard input;
/// otherwise the device flow would log in, which this version does not have yet.
struct AddCommand: Command {
    static let name = "add"
    static let abstract = "add a profile (an sk-kimi-… API key from standard input)"
    static let usage =
        "add NAME --api-key-stdin [--use] [--region cn|global] [--base-url URL]"
    static let discussion = """
        The key is read from standard input, never from the command line: at a terminal it is
        asked for without echo; otherwise the whole of standard input is the key. Nothing is
        sent over the network. When no profile is active, the new one becomes active.

        OAuth login with the device flow (add without --api-key-stdin) is not in this version.
        """
    static let options: [OptionSpec] = [
        OptionSpec("api-key-stdin", help: "read an sk-kimi-… API key from standard input"),
        OptionSpec("use", help: "make the new profile the active one"),
        OptionSpec("region", value: "cn|global", help: "Kimi's region: cn (default) or global"),
        OptionSpec("base-url", value: "URL", help: "the API base URL (default: the region's …/coding/v1)"),
    ]

    /// Keys longer than this are not API keys.
    static let keyLimit = 4096

    let name: String
    let region: Region
    let baseURL: String?
    let makeActive: Bool

    init(_ arguments: ParsedArguments) throws {
        name = try arguments.operand("NAME", for: Self.self)
        if let problem = ProfileName.problem(with: name) {
            throw UsageError("invalid profile name '\(name)': \(problem)", command: Self.self)
        }
        guard arguments.has("api-key-stdin") else {
            throw CommandFailure(
                ExitStatus.usage,
                "OAuth login (the device flow) is not available in this version of kimi-profiles yet",
                hint: "store an API key instead: kimi-profiles add \(name) --api-key-stdin")
        }
        let regionName = arguments.value("region") ?? Region.cn.rawValue
        guard let region = Region(rawValue: regionName) else {
            throw UsageError("--region must be cn or global, not '\(regionName)'", command: Self.self)
        }
        self.region = region
        if let url = arguments.value("base-url") {
            switch Endpoint.validate(url) {
            case let .success(valid): baseURL = valid
            case let .failure(error): throw UsageError("--base-url: \(error)", command: Self.self)
            }
        } else {
            baseURL = nil
        }
        makeActive = arguments.has("use")
    }

    func run(_ context: Context) throws -> Int32 {
        let key = try readKey(context)
        if !key.hasPrefix("sk-kimi-") {
            context.stderr.line(
                "warning: the key does not start with 'sk-kimi-'; Kimi for Coding rejects Moonshot platform keys")
        }
        guard let vault = try context.openVault(create: true) else {
            throw CommandFailure(ExitStatus.vault, "cannot create the vault")
        }
        let now = context.clock.seconds()
        let profile = Profile(
            id: SecureRandom.uuid(), name: name, kind: .apiKey,
            baseURL: baseURL ?? region.baseURL, createdAt: now, updatedAt: now)
        try vault.add(profile, credential: .apiKey(key))
        context.stderr.line("Added profile '\(name)' (API key).")
        if try makeActive || vault.activeProfile() == nil {
            try vault.setActive(name)
            context.stderr.line("'\(name)' is now the active profile.")
        }
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
            throw CommandFailure(ExitStatus.usage, "no API key on standard input",
                hint: "pipe it in, e.g. from your password manager: pass show kimi | kimi-profiles add \(name) --api-key-stdin")
        }
        return Secret(trimmed)
    }
}
