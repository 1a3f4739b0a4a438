import Foundation

/// A run of the binary that a test may SIGKILL part-way through (the crash-safety tests).
///
/// Started with `posix_spawn` and reaped with `waitpid` by this object alone, so the pid stays
/// ours until `wait` (a kill can never reach a reused pid) and the exit is timed when it happens,
/// not when a run loop notices (Foundation's `Process` adds tens of milliseconds, longer than
/// most of the commands under test). Standard input comes from a file; standard output and
/// error go to files, read back by `wait` and removed.
public final class SpawnedBinary {
    public let pid: pid_t
    private let files: (input: String?, output: String, errors: String)
    private let startedAt: Double
    private var exitedAt: Double?
    /// Wall-clock time (Unix seconds) of the SIGKILL, if one was sent.
    public private(set) var killedAt: Double?

    /// Seconds from the spawn to the exit, once `wait` has returned.
    public var duration: Double? { exitedAt.map { $0 - startedAt } }

    /// Starts `executable` with `arguments` (argv[0] is added) and returns at once.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String], cwd: String,
        stdin: String?, scratch: String
    ) throws {
        let stem = scratch + "/spawn-" + UUID().uuidString
        var input: String?
        if let stdin {
            input = stem + ".in"
            guard FileManager.default.createFile(atPath: input!, contents: Data(stdin.utf8), attributes: [.posixPermissions: 0o600])
            else { throw SpawnError(message: "cannot write \(input!)") }
        }
        files = (input, stem + ".out", stem + ".err")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, files.output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, files.errors, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard let addChdir = Self.addChdir, addChdir(&actions, cwd) == 0 else {
            throw SpawnError(message: "posix_spawn_file_actions_addchdir_np is missing or failed")
        }

        // A clean signal mask and default dispositions, whatever thread this runs on (LINUX-NOTES 10).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw SpawnError(message: "posix_spawn \(executable): \(String(cString: strerror(rc)))") }
        self.pid = pid
        startedAt = monotonicSeconds()
    }

    /// Sleeps `seconds` from now, then sends SIGKILL. If the process has exited meanwhile it is
    /// a zombie until `wait`, which ignores the signal and keeps its own exit status.
    public func kill(after seconds: Double) {
        if seconds > 0 { usleep(UInt32(seconds * 1_000_000)) }
        killedAt = Date().timeIntervalSince1970
        Glibc.kill(pid, SIGKILL)
    }

    /// Reaps the process. `signaled` with status 9 when a kill landed before it exited.
    public func wait() -> BinaryRunner.Result {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        exitedAt = monotonicSeconds()
        let output = fileBytes(files.output)
        let errors = fileBytes(files.errors)
        for file in [files.input, files.output, files.errors].compactMap({ $0 }) { unlink(file) }
        let signaled = status & 0x7f != 0
        return BinaryRunner.Result(
            status: signaled ? status & 0x7f : (status >> 8) & 0xff, signaled: signaled,
            stdout: String(decoding: output, as: UTF8.self), stderr: String(decoding: errors, as: UTF8.self))
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// A GNU extension Glibc's module does not show (LINUX-NOTES 1), found at run time.
    private typealias AddChdir = @convention(c) (
        UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>
    ) -> Int32
    private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: AddChdir.self) }
}

extension BinaryRunner {
    /// Starts the binary with `arguments`, as `run` would, and returns at once.
    public func start(_ arguments: [String], stdin: String? = nil, cwd: String? = nil) throws -> SpawnedBinary {
        var env = environment
        env["SWIFT_BACKTRACE"] = "enable=no"  // a killed child must not hand over to swift-backtrace
        return try SpawnedBinary(
            Self.executable, arguments, environment: env, cwd: cwd ?? directory, stdin: stdin, scratch: directory)
    }

    /// `run`, without Foundation's `Process`: for tests that run the binary hundreds of times.
    public func runSpawned(_ arguments: [String], stdin: String? = nil, cwd: String? = nil) -> Result {
        do {
            return try start(arguments, stdin: stdin, cwd: cwd).wait()
        } catch {
            return Result(status: -1, signaled: false, stdout: "", stderr: "launch failed: \(error)")
        }
    }
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
