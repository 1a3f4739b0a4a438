#if canImport(Glibc)
import Glibc
#endif

/// What can go wrong with the vault, its key or its home folder. None of these carries a secret.
public enum VaultError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Neither KIMI_PROFILES_HOME, XDG_DATA_HOME nor HOME says where the home folder is.
    case noHome
    /// The key file or vault can be read by group or others.
    case unsafePermissions(path: String, mode: UInt32)
    /// The key file is not 32 bytes.
    case invalidKeyFile(path: String, size: Int)
    /// The vault exists but its key file does not: a new key would make it unreadable.
    case missingKeyFile(path: String)
    /// The key file does not open the vault's key-check value.
    case wrongKey(keyPath: String)
    /// The vault file is not a SQLite database, or SQLite reports it corrupt.
    case corrupt(path: String)
    /// The vault was written by a newer version of this tool.
    case newerSchema(found: Int, supported: Int)
    /// One profile's sealed credential does not open.
    case damaged(profile: String)
    /// A profile by this name exists already.
    case profileExists(String)
    /// No profile by this name.
    case profileNotFound(String)
    /// An unexpected database failure.
    case database(SQLiteError)
    /// A file operation failed.
    case system(SystemError)

    public var description: String {
        switch self {
        case .noHome:
            return "cannot find the home folder: set KIMI_PROFILES_HOME, XDG_DATA_HOME or HOME"
        case let .unsafePermissions(path, mode):
            return "\(path) is accessible by group or others (mode \(Self.octal(mode)))"
        case let .invalidKeyFile(path, size):
            return "key file \(path) holds \(size) bytes, not 32"
        case let .missingKeyFile(path):
            return "the vault's key file \(path) is missing"
        case let .wrongKey(path):
            return "the key file \(path) does not open this vault (wrong key)"
        case let .corrupt(path):
            return "\(path) is not a readable vault (damaged or not a database)"
        case let .newerSchema(found, supported):
            return
                "the vault has schema version \(found), newer than this version of kimi-profiles supports (\(supported))"
        case let .damaged(profile):
            return "profile '\(profile)' is damaged: its sealed credential does not open"
        case let .profileExists(name):
            return "profile '\(name)' already exists"
        case let .profileNotFound(name):
            return "no profile named '\(name)'"
        case let .database(error):
            return error.description
        case let .system(error):
            return error.description
        }
    }

    /// A line that tells the user how to fix the problem, when there is one.
    public var hint: String? {
        switch self {
        case let .unsafePermissions(path, _):
            return "run: chmod 600 '\(path)'"
        case let .missingKeyFile(path):
            return "restore \(path) from a backup; without it the vault cannot be opened"
        case .wrongKey:
            return "restore the key file that belongs to this vault, or move the vault aside to start afresh"
        case let .damaged(profile):
            return "remove it with 'kimi-profiles remove \(profile)' and add it again; other profiles are unaffected"
        case .newerSchema:
            return "upgrade kimi-profiles"
        case .profileNotFound:
            return "'kimi-profiles list' shows the profiles"
        default:
            return nil
        }
    }

    static func octal(_ mode: UInt32) -> String {
        let bits = mode & 0o7777
        return "0" + String(bits, radix: 8)
    }
}
