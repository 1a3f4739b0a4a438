/// Why an existing login could not be imported. Each case names the file; none carries a
/// token, a key or any byte of the file's contents.
public enum ImportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// HOME is not set (or not absolute), so the source's default location is unknown.
    case noHome(ImportSource)
    /// The source file (or opencode-kimi-auth's `.key`) does not exist.
    case missing(ImportSource, path: String)
    /// The file exists but could not be read.
    case unreadable(path: String, SystemError)
    /// The file is not what the source writes: bad JSON, a missing field, a wrong size.
    case damaged(ImportSource, path: String, detail: String)
    /// The tag did not verify: the wrong `.key`, or an altered `oauth.json`.
    case undecryptable(path: String, keyPath: String)
    /// The file holds the "revoked" tombstone (empty tokens): the source tool is logged out.
    case loggedOut(ImportSource, path: String)
    /// OpenCode's auth.json has no `kimi-for-coding` entry.
    case noEntry(path: String, provider: String)

    public var description: String {
        switch self {
        case let .noHome(source):
            return "cannot find \(source.rawValue)'s files: HOME is not set; name them with --path"
        case let .missing(source, path):
            return "no \(source.rawValue) login found: \(path) does not exist"
        case let .unreadable(_, error):
            return "\(error)"
        case let .damaged(source, path, detail):
            return "\(path) is not a \(source.rawValue) token file: \(detail)"
        case let .undecryptable(path, keyPath):
            return "cannot decrypt \(path) with \(keyPath): the key is not the one that sealed it, or the file was altered"
        case let .loggedOut(source, path):
            return "\(path) holds no login: \(source.rawValue) is logged out"
        case let .noEntry(path, provider):
            return "\(path) has no '\(provider)' entry"
        }
    }

    /// What to do about it, when there is something to say.
    public var hint: String? {
        switch self {
        case let .missing(source, path) where !path.hasSuffix("/" + ImportSource.keyFileName):
            return "name \(source.rawValue)'s file or folder with --path, or log in afresh with 'kimi-profiles add'"
        case .missing:
            return "opencode-kimi-auth's .key must sit beside the oauth.json it sealed"
        case let .loggedOut(source, _):
            return "log \(source.rawValue) in again (\(source.loginAdvice)) and import again, or use 'kimi-profiles add'"
        case .noEntry:
            return "log in to Kimi for Coding in OpenCode first (opencode auth login), or use 'kimi-profiles add'"
        case .undecryptable:
            return "opencode-kimi-auth's .key must sit beside the oauth.json it sealed"
        default:
            return nil
        }
    }
}
