#if canImport(Glibc)
import Glibc
#endif

/// A `pthread_mutex_t` for state shared between threads (the HTTP client's lazy TLS context,
/// the server's connection table, the proxy's token, `usage --all`'s results).
///
/// Core imports only Glibc and FoundationEssentials, so the lock is the C one, allocated once
/// so that it never moves.
public final class Lock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the lock held.
    public func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
