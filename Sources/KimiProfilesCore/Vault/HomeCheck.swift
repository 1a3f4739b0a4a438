#if canImport(Glibc)
import Glibc
#endif

/// The modes SPEC §2 requires of the home folder and the files in it, checked and repaired
/// (`doctor` and `doctor --fix`). Only modes: contents are the vault's business.
public enum HomeCheck {
    /// One path and the mode it must have.
    public struct Item: Sendable, Equatable {
        public let path: String
        /// The permission bits required (0700 for the folder, 0600 for files).
        public let expected: UInt32
        /// The permission bits found, or nil when the path does not exist.
        public let actual: UInt32?
        public let isDirectory: Bool

        /// Whether the path exists with exactly the expected permission bits.
        public var isCorrect: Bool { actual == expected }
    }

    /// The home folder, `vault.db`, `vault.key`, and the SQLite `-wal` and `-shm` files when
    /// they exist. The folder and the two main files are listed even when missing.
    public static func items(in home: HomeFolder) -> [Item] {
        var items = [item(home.path, expected: 0o700, directory: true)]
        items.append(item(home.vaultPath, expected: 0o600, directory: false))
        items.append(item(home.keyPath, expected: 0o600, directory: false))
        for suffix in ["-wal", "-shm"] where FileSystem.exists(home.vaultPath + suffix) {
            items.append(item(home.vaultPath + suffix, expected: 0o600, directory: false))
        }
        return items
    }

    /// Sets `item`'s path to its expected mode (`chmod(2)`); a missing path is left alone.
    public static func repair(_ item: Item) throws(SystemError) {
        guard item.actual != nil else { return }
        try FileSystem.setMode(item.path, mode_t(item.expected))
    }

    /// The mode as `ls` and `chmod` write it: `0644`.
    public static func octal(_ mode: UInt32) -> String {
        let text = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }

    private static func item(_ path: String, expected: UInt32, directory: Bool) -> Item {
        let mode = (try? FileSystem.mode(of: path)).flatMap { $0 }
        return Item(path: path, expected: expected, actual: mode.map { UInt32($0) & 0o777 }, isDirectory: directory)
    }
}
