import KimiProfilesCore

/// A profile's state as `list` and `show` report it; the raw values are stable for `--json`.
enum ProfileState: String {
    /// An API-key profile whose key opens.
    case ready
    /// An OAuth profile whose access token is still valid.
    case valid
    /// An OAuth profile whose access token has expired; the next use refreshes it.
    case refreshable
    /// An OAuth profile whose refresh token was rejected: `login` is needed.
    case loginRequired = "login-required"
    /// The sealed credential does not open.
    case damaged

    /// Opens `profile`'s credential to tell whether it is damaged; the credential is dropped
    /// at once.
    static func of(_ profile: Profile, in vault: Vault, now: Int64) -> ProfileState {
        do {
            _ = try vault.credential(for: profile)
        } catch {
            return .damaged
        }
        switch profile.kind {
        case .apiKey:
            return .ready
        case .oauth:
            if profile.loginRequired { return .loginRequired }
            if let expiry = profile.accessExpiresAt, expiry > now { return .valid }
            return .refreshable
        }
    }

    /// The words for people: "ready", "valid for 12m", "refreshable", "damaged".
    func summary(_ profile: Profile, now: Int64) -> String {
        switch self {
        case .valid: return "valid for " + Formatting.duration((profile.accessExpiresAt ?? now) - now)
        case .loginRequired: return "login required"
        default: return rawValue
        }
    }
}

extension Profile {
    /// The profile's fields for `--json`; never a secret.
    func json(state: ProfileState, active: Bool) -> [String: JSONValue] {
        [
            "name": .string(name),
            "id": .string(id),
            "kind": .string(kind.rawValue),
            "state": .string(state.rawValue),
            "active": .bool(active),
            "base_url": .string(baseURL),
            "oauth_host": oauthHost.map { .string($0) } ?? .null,
            "client_id": clientID.map { .string($0) } ?? .null,
            "created_at": Formatting.jsonTime(createdAt),
            "updated_at": Formatting.jsonTime(updatedAt),
            "last_used_at": Formatting.jsonTime(lastUsedAt),
            "access_expires_at": Formatting.jsonTime(accessExpiresAt),
            "refresh_token_issued_at": Formatting.jsonTime(kind == .oauth ? refreshTokenIssuedAt : nil),
        ]
    }
}
