#if canImport(Glibc)
import Glibc
#endif

extension ImportSource {
    /// The largest source file read; token files are a few hundred bytes.
    static let fileLimit = 1 << 20

    /// The whole file in wiped memory, read straight into it so that no growing buffer
    /// leaves copies of a token behind.
    static func read(_ path: String, source: ImportSource) throws(ImportError) -> SecureBytes {
        guard FileSystem.exists(path) else { throw .missing(source, path: path) }
        if FileSystem.isDirectory(path) {
            throw .damaged(source, path: path, detail: "it is a folder")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let error = Errno.current
            if error == .noSuchFile { throw .missing(source, path: path) }
            throw .unreadable(path: path, .io(operation: "open", path: path, errno: error))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw .unreadable(path: path, .io(operation: "inspect", path: path, errno: .current))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw .damaged(source, path: path, detail: "it is not a regular file")
        }
        let size = Int(info.st_size)
        guard size <= fileLimit else {
            throw .unreadable(path: path, .tooLarge(path: path, limit: fileLimit))
        }
        var failure: Errno?
        var filled = 0
        // One byte more than the size, to notice a file that grew while being read.
        let buffer = SecureBytes(count: size + 1) { out in
            while filled < out.count {
                let n = Glibc.read(fd, out.baseAddress! + filled, out.count - filled)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .current
                    return
                }
                if n == 0 { break }
                filled += n
            }
        }
        if let failure {
            throw .unreadable(path: path, .io(operation: "read", path: path, errno: failure))
        }
        guard filled <= size else {
            throw .unreadable(path: path, .io(operation: "read", path: path, errno: Errno(rawValue: EAGAIN)))
        }
        return buffer.withUnsafeBytes { SecureBytes(copying: UnsafeRawBufferPointer(rebasing: $0[0..<filled])) }
    }
}
