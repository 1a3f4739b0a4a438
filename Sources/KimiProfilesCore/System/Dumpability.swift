internal import CSystem

/// Whether the kernel lets this process's memory out: a core file when it crashes, and, to
/// other processes of the same user, `ptrace` and `/proc/PID/{mem,environ,fd,maps}`.
///
/// A process holding tokens and the vault key marks itself non-dumpable (`prctl(PR_SET_DUMPABLE,
/// 0)`, one system call) before it reads any secret, so that a crash leaves no core file with
/// them and a debugger of the same user cannot attach. `/proc/PID` then belongs to root. The
/// mark is per process and `execve` clears it, so a command that `exec` starts (and is meant
/// to hold its credential) is dumpable as usual.
public enum Dumpability {
    /// `prctl(PR_GET_DUMPABLE)`: true when the process may be dumped (1, or 2 under
    /// `suid_dumpable`), false when it is marked non-dumpable or the system has no such control.
    public static var isDumpable: Bool {
        kp_get_dumpable() > 0
    }

    /// `prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0)`. Throws the `Errno` of a failed call (`ENOSYS`
    /// where there is no `prctl`).
    public static func set(dumpable: Bool) throws(Errno) {
        _ = try syscall { kp_set_dumpable(dumpable ? 1 : 0) }
    }
}
