/// What can go wrong talking to Kimi's OAuth endpoints. Never carries a token or device code.
public enum OAuthError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The refresh token (or the login) was rejected: `invalid_grant`, 401 or 403.
    case loginRequired(profile: String)
    /// The server does not know the client id.
    case invalidClient(clientID: String)
    /// The user denied the authorization request.
    case accessDenied
    /// The device code expired, and so did every new one asked for.
    case deviceCodeExpired(attempts: Int)
    /// The server said something this tool cannot use.
    case malformedResponse(endpoint: String, detail: String)
    /// An error code from the server that has no meaning of its own here.
    case server(endpoint: String, status: Int, code: String?, message: String?)
    /// The network failed (after retries).
    case network(endpoint: String, detail: String)

    public var description: String {
        switch self {
        case let .loginRequired(profile):
            return "profile '\(profile)' needs a new login: its refresh token was rejected"
        case let .invalidClient(clientID):
            return "the OAuth server rejected client id '\(clientID)' (invalid_client)"
        case .accessDenied:
            return "the authorization was denied in the browser"
        case let .deviceCodeExpired(attempts):
            return "the device code expired \(attempts) times without being approved"
        case let .malformedResponse(endpoint, detail):
            return "malformed reply from \(endpoint): \(detail)"
        case let .server(endpoint, status, code, message):
            var text = "\(endpoint) answered HTTP \(status)"
            if let code { text += " (\(code))" }
            if let message { text += ": \(message)" }
            return text
        case let .network(endpoint, detail):
            return "cannot reach \(endpoint): \(detail)"
        }
    }

    public var hint: String? {
        switch self {
        case let .loginRequired(profile):
            return "run: kimi-profiles login \(profile)"
        case .invalidClient:
            return "when adding a profile, pass the right id with --client-id or KIMI_CLIENT_ID; a stored profile keeps its id, so remove it and add it again"
        case .accessDenied:
            return "run the command again and approve the request"
        case .deviceCodeExpired:
            return "run the command again and approve the request within the time shown"
        case .network, .server:
            return "check the network (and HTTPS_PROXY); nothing stored was changed"
        default:
            return nil
        }
    }
}
