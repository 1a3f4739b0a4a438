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

    public init(
        environment: [String: String], workingDirectory: String, clock: Clock,
        descriptors: Descriptors, stdin: Input, stdout: Output, stderr: Output
    ) {
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.clock = clock
        self.descriptors = descriptors
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
    }

    /// The process's own context. Takes the descriptor snapshot first, before anything opens a
    /// file, so `exec` knows which descriptors were inherited.
    public static func live() -> Context {
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
