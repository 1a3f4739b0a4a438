#if canImport(Glibc)
import Glibc
#endif
import KimiProfilesCore

/// Everything a command may touch, injected rather than global (as SwiftPM's
/// `SwiftCommandState` does): the environment, the working folder, the clock and the three
/// standard streams. Tests build one around a temporary home; `live()` builds the real one.
public struct Context {
    public var environment: [String: String]
    public var workingDirectory: String
    public var clock: Clock
    public var descriptors: Descriptors
    public let stdin: Input
    public let stdout: Output
    public let stderr: Output
    /// Waiting between polls and retries.
    public var sleeper: Sleeper
    /// Makes the network transport; called only by commands that go online, so `exec` with a
    /// fresh token never sets up TLS.
    public var makeTransport: @Sendable ([String: String]) -> any HTTPTransport

    public init(
        environment: [String: String], workingDirectory: String, clock: Clock,
        descriptors: Descriptors, stdin: Input, stdout: Output, stderr: Output,
        sleeper: Sleeper = .system,
        makeTransport: @escaping @Sendable ([String: String]) -> any HTTPTransport = NetworkTransport.make
    ) {
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.clock = clock
        self.descriptors = descriptors
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.sleeper = sleeper
        self.makeTransport = makeTransport
    }

    /// Debug lines on stderr when `KIMI_PROFILES_DEBUG=1` or `DEBUG` names kimi-profiles
    /// (SPEC §7). The lines never hold a secret (see `DebugLog`).
    var log: DebugLog {
        let flag = environment["KIMI_PROFILES_DEBUG"] ?? ""
        guard (!flag.isEmpty && flag != "0") || Self.debugNamespaceEnabled(environment["DEBUG"] ?? "") else {
            return .off
        }
        let stderr = UncheckedOutput(output: self.stderr)
        return DebugLog { line in stderr.line("kimi-profiles: debug: " + line) }
    }

    /// Whether a `DEBUG` value in the npm `debug` package's syntax (names separated by commas
    /// or spaces, `*` wildcards, `-name` to exclude) enables `kimi-profiles`.
    static func debugNamespaceEnabled(_ value: String) -> Bool {
        var enabled = false
        for pattern in value.split(whereSeparator: { $0 == "," || $0 == " " }) {
            let excluded = pattern.hasPrefix("-")
            let name = excluded ? pattern.dropFirst() : pattern[...]
            let matches =
                name.hasSuffix("*")
                ? "kimi-profiles:".hasPrefix(name.dropLast()) || "kimi-profiles".hasPrefix(name.dropLast())
                : name == "kimi-profiles" || name.hasPrefix("kimi-profiles:")
            guard matches else { continue }
            if excluded { return false }
            enabled = true
        }
        return enabled
    }

    /// `KIMI_PROFILES_QUIET` set to anything but empty or 0.
    var isQuiet: Bool {
        let value = environment["KIMI_PROFILES_QUIET"] ?? ""
        return !value.isEmpty && value != "0"
    }

    /// The network transport, with this context's environment (proxies, trust store).
    func transport() -> any HTTPTransport { makeTransport(environment) }

    /// The refresher that every command needing a token shares.
    func refresher(_ vault: Vault) -> TokenRefresher {
        TokenRefresher(vault: vault, transport: LazyTransport { self.transport() }, clock: clock, sleeper: sleeper, log: log)
    }

    /// The process's own context. Marks the process non-dumpable before any command can read
    /// a secret (no core file, no same-user ptrace or /proc/PID/mem; `execve` clears the mark
    /// for the command `exec` starts). Then takes the descriptor snapshot, before anything
    /// opens a file, so `exec` knows which descriptors were inherited.
    public static func live() -> Context {
        // prctl(PR_SET_DUMPABLE, 0) fails only where there is no prctl; nothing to fall back to.
        try? Dumpability.set(dumpable: false)
        let descriptors = Descriptors.snapshot()
        var environment: [String: String] = [:]
        environment.reserveCapacity(64)
        var pointer = environ
        while let entry = pointer.pointee {
            pointer += 1
            guard let equals = strchr(entry, Int32(UInt8(ascii: "="))) else { continue }
            let name = String(
                decoding: UnsafeRawBufferPointer(start: entry, count: entry.distance(to: equals)),
                as: UTF8.self)
            // The first definition wins, as getenv(3) does.
            if environment[name] == nil { environment[name] = String(cString: equals + 1) }
        }
        var directory = "/"
        if let cwd = getcwd(nil, 0) {
            directory = String(cString: cwd)
            free(cwd)
        } else if let pwd = environment["PWD"], pwd.hasPrefix("/") {
            directory = pwd
        }
        return Context(
            environment: environment, workingDirectory: directory, clock: .system,
            descriptors: descriptors, stdin: Input(fd: 0), stdout: Output(fd: 1, environment: environment),
            stderr: Output(fd: 2, environment: environment))
    }

    /// The home folder, from the environment.
    func home() throws -> HomeFolder {
        try HomeFolder.resolve(environment: environment)
    }

    /// Opens the vault; with `create`, makes it on first need.
    func openVault(create: Bool) throws -> Vault? {
        try Vault.open(home: home(), create: create, clock: clock)
    }

    /// A resolver for the profile rules of SPEC §4.
    func resolver(explicit: String?) -> ProfileResolver {
        ProfileResolver(
            explicitName: explicit, environment: environment, workingDirectory: workingDirectory)
    }
}
