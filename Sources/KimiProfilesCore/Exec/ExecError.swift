/// Why a command could not be started. One sentence each, naming the command.
public enum ExecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file of that name on PATH (exit 127).
    case notFound(String)
    /// Found but not executable, or a folder (exit 126).
    case notExecutable(String)
    /// `execve` failed for another reason (exit 126).
    case failed(String, Errno)
    /// The caller's OPENCODE_CONFIG_CONTENT is not a JSON object, so it cannot be merged.
    case invalidOpenCodeConfig
    /// KIMI_PROFILE (an enclosing `exec`, or the shell) and this folder's `.kimi-profile`
    /// disagree, and no `-p` says which is meant.
    case nested(outer: String, requested: String, source: ProfileSource)

    public var description: String {
        switch self {
        case let .notFound(command):
            return "command not found: \(command)"
        case let .notExecutable(command):
            return "permission denied: \(command) is not an executable file"
        case let .failed(command, errno):
            return "cannot execute \(command): \(errno)"
        case .invalidOpenCodeConfig:
            return "OPENCODE_CONFIG_CONTENT is set but is not a JSON object, so it cannot be merged"
        case let .nested(outer, requested, source):
            return
                "KIMI_PROFILE names '\(outer)' (set by an enclosing exec or by the shell), but \(source.description) names '\(requested)'"
        }
    }

    /// The status a shell would report: 127 for not found, 126 for the rest.
    public var exitStatus: Int32 {
        if case .notFound = self { return 127 }
        if case .invalidOpenCodeConfig = self { return 2 }
        if case .nested = self { return 2 }
        return 126
    }

    public var hint: String? {
        switch self {
        case let .nested(_, requested, _):
            return "pass -p \(requested) to use it, or -p NAME for any other profile"
        case .invalidOpenCodeConfig:
            return "unset OPENCODE_CONFIG_CONTENT or make it a JSON object"
        default:
            return nil
        }
    }
}
