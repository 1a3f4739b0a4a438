import KimiProfilesCore

/// The one place where errors become a message on stderr and an exit status
/// (argument-parser's `MessageInfo` shape). Messages come from each error's `description`,
/// which by construction never holds a secret.
enum ErrorReport {
    static func report(_ error: any Error, command: (any Command.Type)?, to stderr: Output) -> Int32 {
        let (status, message, hint) = classify(error)
        stderr.line("kimi-profiles: " + stderr.paint("error:", .red) + " " + message)
        if let hint { stderr.line("hint: " + hint) }
        if let usage = error as? UsageError {
            if let type = usage.command ?? command {
                stderr.line("usage: kimi-profiles \(type.usage)")
                stderr.line("See 'kimi-profiles help \(type.name)'.")
            } else {
                stderr.line("usage: kimi-profiles COMMAND [OPTIONS]")
                stderr.line("See 'kimi-profiles help'.")
            }
        }
        return status
    }

    /// The status, message and hint for `error`.
    static func classify(_ error: any Error) -> (Int32, String, String?) {
        switch error {
        case let error as UsageError:
            return (ExitStatus.usage, error.message, nil)
        case let error as ProfileError:
            switch error {
            case .invalidName(_, _, nil):
                return (ExitStatus.usage, error.description, nil)
            default:
                return (ExitStatus.noProfile, error.description, error.hint)
            }
        case let error as VaultError:
            switch error {
            case .profileNotFound:
                return (ExitStatus.noProfile, error.description, error.hint)
            case .profileExists, .noHome:
                return (ExitStatus.failure, error.description, error.hint)
            default:
                return (ExitStatus.vault, error.description, error.hint)
            }
        case let error as OAuthError:
            if case .loginRequired = error { return (ExitStatus.loginRequired, error.description, error.hint) }
            return (ExitStatus.failure, error.description, error.hint)
        case let error as UsageClient.Failure:
            return (ExitStatus.failure, error.description, error.hint)
        case let error as ExecError:
            return (error.exitStatus, error.description, error.hint)
        case let error as CommandFailure:
            return (error.status, error.message, error.hint)
        default:
            return (ExitStatus.failure, "\(error)", nil)
        }
    }
}

/// A failure a command reports with its own status and wording.
struct CommandFailure: Error, CustomStringConvertible {
    let status: Int32
    let message: String
    let hint: String?

    init(_ status: Int32, _ message: String, hint: String? = nil) {
        self.status = status
        self.message = message
        self.hint = hint
    }

    var description: String { message }
}
