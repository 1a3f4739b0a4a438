/// Why no profile could be chosen.
public enum ProfileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No rule named a profile.
    case noneSelected
    /// A rule named a profile that does not exist.
    case notFound(String, source: ProfileSource)
    /// A name breaks the naming rule.
    case invalidName(String, problem: String, source: ProfileSource?)
    /// A `.kimi-profile` holds no name.
    case emptyProjectFile(path: String)
    /// A `.kimi-profile` could not be read.
    case unreadableProjectFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .noneSelected:
            return "no profile selected"
        case let .notFound(name, source):
            return "profile '\(name)' (from \(source.description)) does not exist"
        case let .invalidName(name, problem, source):
            let origin = source.map { " (from \($0.description))" } ?? ""
            return "invalid profile name '\(name)'\(origin): \(problem)"
        case let .emptyProjectFile(path):
            return "\(path) names no profile"
        case let .unreadableProjectFile(path, reason):
            return "cannot read \(path): \(reason)"
        }
    }

    public var hint: String? {
        switch self {
        case .noneSelected:
            return
                "log one in with 'kimi-profiles add NAME' (or store a key with --api-key-stdin), choose one with 'kimi-profiles use NAME', or pass -p NAME"
        case .notFound:
            return "'kimi-profiles list' shows the profiles"
        default:
            return nil
        }
    }
}

/// Which rule of SPEC §4 chose a profile.
public enum ProfileSource: Sendable, Equatable, CustomStringConvertible {
    case flag
    case environment
    case projectFile(String)
    case active

    /// The rule's short name, stable for `--json`.
    public var rule: String {
        switch self {
        case .flag: return "flag"
        case .environment: return "environment"
        case .projectFile: return "project-file"
        case .active: return "active"
        }
    }

    public var path: String? {
        if case let .projectFile(path) = self { return path }
        return nil
    }

    public var description: String {
        switch self {
        case .flag: return "--profile"
        case .environment: return "KIMI_PROFILE"
        case let .projectFile(path): return path
        case .active: return "the active profile set by 'use'"
        }
    }
}
