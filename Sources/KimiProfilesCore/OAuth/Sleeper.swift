#if canImport(Glibc)
import Glibc
#endif

/// Waiting, injected so that polling and back-off are tested with a fake clock, not sleeps.
public struct Sleeper: Sendable {
    private let body: @Sendable (Double) -> Void

    public init(_ body: @escaping @Sendable (Double) -> Void) { self.body = body }

    /// Waits `seconds`, at most an hour (a server-given interval is never trusted further).
    public func sleep(_ seconds: Double) {
        guard seconds.isFinite, seconds > 0 else { return }
        body(min(seconds, 3600))
    }

    /// Real sleeping with `nanosleep`, resumed after signals until the time has passed.
    public static let system = Sleeper { seconds in
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
