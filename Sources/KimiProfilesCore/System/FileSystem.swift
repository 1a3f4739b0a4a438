#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file operations the vault needs, done with explicit modes.
///
/// Foundation's atomic writes turn 0600 files into 0644 (LINUX-NOTES 8), so files that hold
/// secrets are written here with `open(O_CREAT|O_EXCL|O_NOFOLLOW, 0600)`, `fsync` and `rename`.
public enum FileSystem {
    /// The `st_mode` of `path` (following links), or nil when it does not exist.
    public static func mode(of path: String) throws(SystemError) -> mode_t? {
        var info = stat()
        do {
            _ = try syscall { stat(path, &info) }
        } catch {
            if error == .noSuchFile { return nil }
            throw .io(operation: "inspect", path: path, errno: error)
        }
        return info.st_mode
    }

    /// The size in bytes of the file at `path`, or nil when it does not exist.
    public static func size(of path: String) -> Int? {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : nil
    }

    /// Whether something exists at `path` (a dangling link counts).
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Whether `path` names a directory (following links).
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` and any missing parents with `mode`, whatever the umask; an existing
    /// directory is left as it is.
    public static func createDirectory(_ path: String, mode: mode_t) throws(SystemError) {
        if isDirectory(path) { return }
        let parent = parentPath(of: path)
        if parent != path, !parent.isEmpty { try createDirectory(parent, mode: mode) }
        if mkdir(path, mode) != 0 {
            let error = Errno.current
            if error == .fileExists, isDirectory(path) { return }
            throw .io(operation: "create the folder", path: path, errno: error)
        }
        // mkdir applies the umask; chmod gives the mode that was asked for.
        if chmod(path, mode) != 0 {
            throw .io(operation: "set the mode of", path: path, errno: .current)
        }
    }

    /// Reads a whole regular file, refusing files larger than `limit` bytes.
    public static func read(_ path: String, limit: Int = 1 << 20) throws(SystemError) -> [UInt8] {
        let fd: Int32
        do {
            fd = try syscall { open(path, O_RDONLY | O_CLOEXEC) }
        } catch {
            throw .io(operation: "open", path: path, errno: error)
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                while true {
                    let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
                    if n >= 0 || errno != EINTR { return n }
                }
            }
            if count < 0 { throw .io(operation: "read", path: path, errno: .current) }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
            if result.count > limit { throw .tooLarge(path: path, limit: limit) }
        }
        return result
    }

    /// Writes `bytes` to a new file at `path` with `mode`, atomically: the file appears whole
    /// or not at all, and an existing file is never replaced (`link` fails with `EEXIST`).
    ///
    /// Returns false when another process created `path` first.
    ///
    /// The bytes go first to an unnamed file (`O_TMPFILE`) that is then linked in, so a process
    /// killed part-way leaves nothing behind; where the file system has no unnamed files, to a
    /// named temporary file beside `path`.
    public static func createExclusively(
        _ path: String, bytes: UnsafeRawBufferPointer, mode: mode_t
    ) throws(SystemError) -> Bool {
        if let created = try createThroughUnnamedFile(path, bytes: bytes, mode: mode) { return created }
        let temporary = try writeTemporary(beside: path, bytes: bytes, mode: mode, tryUnnamed: false)
        defer { unlink(temporary) }
        if link(temporary, path) != 0 {
            let error = Errno.current
            if error == .fileExists { return false }
            throw .io(operation: "create", path: path, errno: error)
        }
        syncDirectory(of: path)
        return true
    }

    /// Replaces `path` with `bytes` atomically, with `mode`.
    public static func replace(
        _ path: String, bytes: UnsafeRawBufferPointer, mode: mode_t
    ) throws(SystemError) {
        let temporary = try writeTemporary(beside: path, bytes: bytes, mode: mode)
        if rename(temporary, path) != 0 {
            let error = Errno.current
            unlink(temporary)
            throw .io(operation: "replace", path: path, errno: error)
        }
        syncDirectory(of: path)
    }

    /// Creates an empty file with `mode` if none exists (used so SQLite finds a 0600 file).
    public static func touch(_ path: String, mode: mode_t) throws(SystemError) {
        let fd: Int32
        do {
            fd = try syscall { open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode) }
        } catch {
            throw .io(operation: "create", path: path, errno: error)
        }
        defer { close(fd) }
        // open applies the umask to a new file; fchmod gives the mode that was asked for.
        if fchmod(fd, mode) != 0 {
            throw .io(operation: "set the mode of", path: path, errno: .current)
        }
    }

    /// Sets the mode of `path`.
    public static func setMode(_ path: String, _ mode: mode_t) throws(SystemError) {
        if chmod(path, mode) != 0 {
            throw .io(operation: "set the mode of", path: path, errno: .current)
        }
    }

    /// The folder part of `path` ("/" for "/x", "." for "x").
    public static func parentPath(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        var parent = trimmed[..<slash]
        while parent.count > 1, parent.hasSuffix("/") { parent = parent.dropLast() }
        return parent.isEmpty ? "/" : String(parent)
    }

    /// `folder/name`, without doubling the slash.
    public static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// `createExclusively` through `O_TMPFILE` and `linkat`; nil when the file system (or a
    /// missing /proc) does not allow it, so the caller falls back to a named temporary file.
    private static func createThroughUnnamedFile(
        _ path: String, bytes: UnsafeRawBufferPointer, mode: mode_t
    ) throws(SystemError) -> Bool? {
        guard let fd = try unnamedFile(beside: path, bytes: bytes, mode: mode) else { return nil }
        defer { close(fd) }
        if let error = linkUnnamed(fd, as: path) {
            if error == .fileExists { return false }
            // No /proc, or a security module that refuses the link: the named way may still work.
            return nil
        }
        syncDirectory(of: path)
        return true
    }

    /// A file in the folder of `path` holding `bytes` with `mode`, written and synced but not
    /// yet linked into the folder (`O_TMPFILE`), so a process killed meanwhile leaves nothing;
    /// nil where the file system has no unnamed files.
    private static func unnamedFile(
        beside path: String, bytes: UnsafeRawBufferPointer, mode: mode_t
    ) throws(SystemError) -> Int32? {
        // O_TMPFILE is __O_TMPFILE | O_DIRECTORY; the macro does not reach Swift.
        let unnamed: Int32 = 0o20_000_000 | O_DIRECTORY
        let fd = open(parentPath(of: path), unnamed | O_WRONLY | O_CLOEXEC, mode)
        guard fd >= 0 else { return nil }
        var ok = false
        defer { if !ok { close(fd) } }
        try fill(fd, bytes, mode: mode, path: path)
        ok = true
        return fd
    }

    /// Gives the unnamed file `fd` the name `path` (never replacing one); the error otherwise.
    /// `linkat` with AT_EMPTY_PATH needs a capability; through /proc it does not.
    private static func linkUnnamed(_ fd: Int32, as path: String) -> Errno? {
        linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 ? nil : .current
    }

    /// Gives the new file `fd` its mode (open applies the umask), writes `bytes` and syncs.
    private static func fill(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, mode: mode_t, path: String) throws(SystemError) {
        if fchmod(fd, mode) != 0 {
            throw .io(operation: "set the mode of", path: path, errno: .current)
        }
        try writeAll(fd, bytes, path: path)
        if fsync(fd) != 0 {
            throw .io(operation: "sync", path: path, errno: .current)
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let written: Int
            do {
                written = try syscall { write(fd, bytes.baseAddress! + offset, bytes.count - offset) }
            } catch {
                throw .io(operation: "write", path: path, errno: error)
            }
            offset += written
        }
    }

    private static func writeTemporary(
        beside path: String, bytes: UnsafeRawBufferPointer, mode: mode_t, tryUnnamed: Bool = true
    ) throws(SystemError) -> String {
        let suffix = KernelRandom.hex(count: 8)
        let temporary = path + ".tmp-" + suffix
        // Written unnamed first where the file system allows, so the temporary name exists only
        // for the moment between its link and the caller's rename.
        if tryUnnamed, let unnamed = try unnamedFile(beside: path, bytes: bytes, mode: mode) {
            defer { close(unnamed) }
            if linkUnnamed(unnamed, as: temporary) == nil { return temporary }
        }
        let fd: Int32
        do {
            fd = try syscall {
                open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            }
        } catch {
            throw .io(operation: "create", path: temporary, errno: error)
        }
        var ok = false
        defer {
            close(fd)
            if !ok { unlink(temporary) }
        }
        try fill(fd, bytes, mode: mode, path: temporary)
        ok = true
        return temporary
    }

    private static func syncDirectory(of path: String) {
        let fd = open(parentPath(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
