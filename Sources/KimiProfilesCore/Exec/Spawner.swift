#if canImport(Glibc)
import Glibc
#endif

/// Starts helper programs (the browser opener) with `posix_spawn`: a clean signal mask and
/// default dispositions (LINUX-NOTES 10), and standard streams on /dev/null so a chatty
/// opener cannot write over the login prompt.
public enum Spawner {
    /// Starts `executable` and returns its pid without waiting for it.
    @discardableResult
    public static func spawnDetached(
        _ executable: String, arguments: [String], environment: [String: String]
    ) throws(ExecError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in 0...2 {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var attributes = cleanSpawnAttributes()
        defer { posix_spawnattr_destroy(&attributes) }

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw .failed(executable, Errno(rawValue: rc)) }
        return pid
    }
}

/// Spawn attributes for a child that must not inherit this process's signal state: an empty
/// mask (runtime threads block almost everything; LINUX-NOTES 10) and default dispositions
/// for the signals a wrapper may have changed. The caller destroys them.
func cleanSpawnAttributes() -> posix_spawnattr_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in ChildProcess.forwarded + [SIGCHLD, SIGPIPE] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    return attributes
}
