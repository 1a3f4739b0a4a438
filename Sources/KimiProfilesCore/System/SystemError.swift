/// A file-system or process operation that failed, with the path it concerned.
public enum SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `operation` failed on `path` with `errno`.
    case io(operation: String, path: String, errno: Errno)
    /// A file was larger than the reader allows.
    case tooLarge(path: String, limit: Int)

    public var description: String {
        switch self {
        case let .io(operation, path, errno):
            return "cannot \(operation) \(path): \(errno)"
        case let .tooLarge(path, limit):
            return "\(path) is larger than \(limit) bytes"
        }
    }
}
