#if canImport(Glibc)
import Glibc
#endif

/// A point in time on the monotonic clock, after which an I/O wait gives up.
///
/// Every blocking step of the HTTP layer (connect, handshake, each read and write) waits in
/// `poll()` for at most the time left before its deadline; the wall clock is never used, so a
/// clock change cannot stretch or cut a timeout.
struct Deadline: Comparable, Sendable {
    /// Nanoseconds on `CLOCK_MONOTONIC`.
    let nanoseconds: UInt64

    static func now() -> Deadline {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Deadline(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    /// `seconds` from now (a negative or NaN value means now).
    static func after(_ seconds: Double) -> Deadline {
        let clamped = seconds.isNaN ? 0 : min(max(seconds, 0), 1e9)
        return Deadline(nanoseconds: now().nanoseconds + UInt64(clamped * 1e9))
    }

    /// Whole milliseconds left, rounded up so that a wait never ends just before the deadline;
    /// 0 once it has passed. Fits `poll()`'s `int` timeout.
    var millisecondsLeft: Int32 {
        let current = Deadline.now().nanoseconds
        guard nanoseconds > current else { return 0 }
        let left = (nanoseconds - current + 999_999) / 1_000_000
        return Int32(min(left, UInt64(Int32.max)))
    }

    var hasPassed: Bool { Deadline.now() >= self }

    /// Seconds left (0 once passed).
    var secondsLeft: Double {
        let current = Deadline.now().nanoseconds
        return nanoseconds > current ? Double(nanoseconds - current) / 1e9 : 0
    }

    static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
