#if canImport(Glibc)
import Glibc
#endif

/// Runs a command as a child of this process and waits for it, for `exec` when a wrapper must
/// outlive the command (the credential proxy). `Launcher` replaces the process instead.
///
/// The child stays in the terminal's foreground process group, so Ctrl-C and Ctrl-\ from the
/// terminal reach it directly. The wrapper blocks SIGINT, SIGTERM, SIGHUP and SIGQUIT and takes
/// them with `sigwaitinfo`, so none of them kills it before the command: a signal that another
/// process sent to the wrapper (`kill`) is forwarded to the child, while one the terminal sent
/// to the whole group is not sent a second time. The child starts with an empty signal mask
/// and default dispositions (LINUX-NOTES 10).
public enum ChildProcess {
    /// The signals the wrapper takes instead of dying of them.
    public static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    /// Blocks the forwarded signals and SIGCHLD in the calling thread. Call it on the main
    /// thread before starting any other thread, so every thread inherits the mask and only
    /// `run` ever takes these signals.
    public static func blockSignals() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Starts `executable` and waits for it; returns the exit status a shell would report
    /// (the command's own, or 128+N when it died of signal N).
    public static func run(
        executable: String, arguments: [String], environment: [LaunchEnvironment.Variable],
        base: [String: String], descriptors: Descriptors, onStart: (pid_t) -> Void = { _ in }
    ) throws(ExecError) -> Int32 {
        blockSignals()
        descriptors.closeOwnOnExec()
        let pid = try spawn(executable, arguments, environment, base)
        onStart(pid)
        var set = signalSet()
        while true {
            var info = siginfo_t()
            let signal = sigwaitinfo(&set, &info)
            if signal < 0 { continue }  // EINTR
            if signal == SIGCHLD {
                if let status = reap(pid) { return status }
                continue
            }
            // si_code SI_KERNEL (0x80) means the terminal sent it to the whole group, the
            // child included; anything else (kill, SI_USER) was meant for the wrapper alone.
            if info.si_code != 0x80 { kill(pid, signal) }
        }
    }

    /// The child's status once it has ended, else nil.
    private static func reap(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return nil }
        return decode(status)
    }

    /// A wait status as a shell's exit status (WIFEXITED/WTERMSIG do not import; LINUX-NOTES 4).
    public static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in forwarded + [SIGCHLD] { sigaddset(&set, signal) }
        return set
    }

    private static func spawn(
        _ executable: String, _ arguments: [String], _ variables: [LaunchEnvironment.Variable],
        _ base: [String: String]
    ) throws(ExecError) -> pid_t {
        var attributes = cleanSpawnAttributes()
        defer { posix_spawnattr_destroy(&attributes) }

        let environment = EnvironmentBlock(base: base, overrides: variables)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = environment.withPointers { envp in
            posix_spawn(&pid, executable, nil, &attributes, argv, envp)
        }
        guard rc == 0 else {
            if rc == ENOENT { throw .notFound(arguments.first ?? executable) }
            if rc == EACCES || rc == ENOEXEC { throw .notExecutable(arguments.first ?? executable) }
            throw .failed(arguments.first ?? executable, Errno(rawValue: rc))
        }
        return pid
    }
}

/// A C environment block (`NAME=value\0` strings and a null-terminated pointer array) whose
/// bytes live in wiped memory, since the values may hold a credential.
struct EnvironmentBlock {
    private let entries: [SecureBytes]

    init(base: [String: String], overrides: [LaunchEnvironment.Variable]) {
        let overridden = Set(overrides.map(\.name))
        var entries: [SecureBytes] = []
        for (name, value) in base where !overridden.contains(name) {
            let bytes = Array("\(name)=\(value)".utf8) + [0]
            entries.append(bytes.withUnsafeBytes { SecureBytes(copying: $0) })
        }
        for variable in overrides {
            let prefix = Array("\(variable.name)=".utf8)
            entries.append(
                SecureBytes(count: prefix.count + variable.value.count + 1) { out in
                    out.copyBytes(from: prefix)
                    variable.value.withUnsafeBytes {
                        UnsafeMutableRawBufferPointer(rebasing: out[prefix.count...]).copyMemory(from: $0)
                    }
                    out[out.count - 1] = 0
                })
        }
        self.entries = entries
    }

    /// Lends a null-terminated `char *envp[]` for the duration of `body`.
    func withPointers<R>(_ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = entries.map { entry in
            entry.withUnsafeBytes { UnsafeMutablePointer(mutating: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
        }
        pointers.append(nil)
        return withExtendedLifetime(entries) { body(pointers) }
    }
}
