#if canImport(Glibc)
import Glibc
#endif

/// A joinable POSIX thread running one closure.
///
/// The server runs its accept loop and each connection on a thread of its own (blocking I/O,
/// bounded by poll timeouts), and joins every one of them in `stop()`, so none outlives it.
/// Dispatch or the concurrency pool would work too, but their threads block almost every
/// signal (LINUX-NOTES 10) and cannot be joined.
public struct PosixThread: Sendable {
    public let id: pthread_t

    /// Starts `body` on a new thread; nil when the system refuses one (`EAGAIN`).
    public static func start(_ body: @escaping @Sendable () -> Void) -> PosixThread? {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var id = pthread_t()
        let result = pthread_create(
            &id, nil,
            { context in
                let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
                box.body()
                return nil
            }, box)
        guard result == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return nil
        }
        return PosixThread(id: id)
    }

    /// Waits for the thread to end.
    public func join() {
        pthread_join(id, nil)
    }

    /// Whether this is the calling thread.
    public var isCurrent: Bool { pthread_equal(id, pthread_self()) != 0 }

    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
