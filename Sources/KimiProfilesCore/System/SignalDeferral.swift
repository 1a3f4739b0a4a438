#if canImport(Glibc)
import Glibc
#endif

/// Holds back the signals that end a process from a terminal or a service manager (SIGINT,
/// SIGTERM, SIGHUP, SIGQUIT) on the calling thread while a body runs, and lets any that arrived
/// meanwhile act as soon as it returns.
///
/// A token refresh runs inside one: refresh tokens are single-use, so a Ctrl-C after Kimi has
/// rotated the token but before the vault holds its successor would lose the login. The signal
/// still takes effect, just after the commit (or when the attempt fails: each attempt is bounded
/// by the HTTP deadlines), and at once during the waits between attempts. SIGKILL cannot be
/// held back; RELIABILITY.md measures what it costs. A thread that already blocks these signals
/// (the `exec` proxy's) keeps blocking them throughout. Masks are per thread: call `lifted` on
/// the thread that called `run` (a plain value of signal bits, hence the unchecked Sendable).
public struct SignalDeferral: @unchecked Sendable {
    /// The thread's mask before `run`.
    private let previous: sigset_t
    /// The thread that called `run`: masks are per thread.
    private let thread: pthread_t

    /// Runs `body` with the signals held back, then restores the thread's previous mask.
    public static func run<R, E: Error>(_ body: (SignalDeferral) throws(E) -> R) throws(E) -> R {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in ChildProcess.forwarded { sigaddset(&set, signal) }
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &set, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body(SignalDeferral(previous: previous, thread: pthread_self()))
    }

    /// Runs `body` with the thread's mask as it was before `run`: for waits between attempts,
    /// when nothing is in flight and a Ctrl-C should act at once.
    public func lifted<R>(_ body: () -> R) -> R {
        precondition(pthread_equal(thread, pthread_self()) != 0, "SignalDeferral.lifted called on another thread")
        var previous = self.previous
        var current = sigset_t()
        pthread_sigmask(SIG_SETMASK, &previous, &current)
        defer { pthread_sigmask(SIG_SETMASK, &current, nil) }
        return body()
    }
}
