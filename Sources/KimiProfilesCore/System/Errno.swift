#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A POSIX error number, as returned by a failed system call.
///
/// Kept as a value so that errors can be compared in tests and carried across layers without
/// reading the thread-local `errno` again later, when it may have changed.
public struct Errno: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's current `errno`.
    public static var current: Errno { Errno(rawValue: errno) }

    public static let noSuchFile = Errno(rawValue: ENOENT)
    public static let fileExists = Errno(rawValue: EEXIST)
    public static let permissionDenied = Errno(rawValue: EACCES)
    public static let interrupted = Errno(rawValue: EINTR)

    /// The C library's text for this error (`strerror`), lowercased to fit in a clause.
    public var description: String {
        guard let text = strerror(rawValue) else { return "error \(rawValue)" }
        let message = String(cString: text)
        guard let first = message.first else { return "error \(rawValue)" }
        return first.lowercased() + message.dropFirst()
    }
}

/// Calls a system function until it stops failing with `EINTR`; a result of -1 becomes the `Errno`.
///
/// One funnel for every syscall, as swift-system does, so that no caller forgets the retry.
@inline(__always)
func syscall<T: FixedWidthInteger>(_ body: () -> T) throws(Errno) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = Errno.current
        if error != .interrupted { throw error }
    }
}
