#if canImport(Glibc)
import Glibc
#endif

/// Finds a command the way `execvp` would, on the PATH the child will see (`execvpe` is not
/// visible from Swift on Linux, and the tool must not depend on it).
public enum ExecutableLookup {
    /// POSIX's default search path when PATH is unset.
    public static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// The path to execute for `command`.
    public static func resolve(_ command: String, path: String?) throws(ExecError) -> String {
        if command.isEmpty { throw .notFound(command) }
        if command.contains("/") {
            guard FileSystem.exists(command) else { throw .notFound(command) }
            guard isExecutableFile(command) else { throw .notExecutable(command) }
            return command
        }
        var denied: String?
        let folders = (path ?? defaultPath).split(separator: ":", omittingEmptySubsequences: false)
        for folder in folders {
            // An empty entry means the current folder, as in execvp.
            let candidate = FileSystem.join(folder.isEmpty ? "." : String(folder), command)
            if isExecutableFile(candidate) { return candidate }
            if denied == nil, FileSystem.exists(candidate), !FileSystem.isDirectory(candidate) {
                denied = candidate
            }
        }
        if denied != nil { throw .notExecutable(command) }
        throw .notFound(command)
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }
}
