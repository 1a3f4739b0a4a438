#if canImport(Glibc)
import Glibc
#endif

/// The file descriptors the process inherited, so that `exec` can pass those on and close
/// everything it opened itself (LINUX-NOTES 12).
///
/// `close_range` would also close what the caller meant the child to have, so instead every
/// descriptor opened since start-up is marked close-on-exec.
public struct Descriptors: Sendable {
    public let inherited: Set<Int32>

    public init(inherited: Set<Int32>) { self.inherited = inherited }

    /// The descriptors open now. Call first thing in `main`, before anything opens a file.
    public static func snapshot() -> Descriptors {
        Descriptors(inherited: Set(openDescriptors()))
    }

    /// Marks every descriptor that is not inherited as close-on-exec.
    public func closeOwnOnExec() {
        for fd in Self.openDescriptors() where !inherited.contains(fd) {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    static func openDescriptors() -> [Int32] {
        guard let dir = opendir("/proc/self/fd") else { return [0, 1, 2] }
        defer { closedir(dir) }
        let own = dirfd(dir)
        var result: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let fd = Int32(name), fd != own { result.append(fd) }
        }
        return result
    }
}
