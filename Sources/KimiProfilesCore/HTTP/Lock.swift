#if canImport(Glibc)
import Glibc
#endif

/// A `pthread_mutex_t` for the HTTP layer's shared state (the client's lazy TLS context, the
/// server's connection table).
///
/// Core imports only Glibc and FoundationEssentials, so the lock is the C one, allocated once
/// so that it never moves.
final class Lock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the lock held.
    func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
