#if canImport(Glibc)
import Glibc
#endif

/// The wall clock, injected so that expiry and polling logic can be tested at fixed times.
public struct Clock: Sendable {
    private let read: @Sendable () -> Double

    public init(_ read: @escaping @Sendable () -> Double) { self.read = read }

    /// Seconds since the Unix epoch.
    public func now() -> Double { read() }

    /// Whole seconds since the Unix epoch.
    public func seconds() -> Int64 { Int64(read().rounded(.down)) }

    /// The system's real-time clock.
    public static let system = Clock {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// A clock stopped at `seconds`.
    public static func fixed(_ seconds: Double) -> Clock { Clock { seconds } }
}
