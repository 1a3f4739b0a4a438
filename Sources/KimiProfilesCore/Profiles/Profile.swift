/// One account: its plaintext metadata as stored in the vault (SPEC §3). Never holds a secret.
public struct Profile: Sendable, Equatable {
    /// How the account authenticates.
    public enum Kind: String, Sendable, Equatable {
        case oauth
        case apiKey = "api-key"
    }

    /// A random UUID, never reused; the sealed credential is bound to it.
    public let id: String
    public var name: String
    public let kind: Kind
    /// The OAuth client id (OAuth profiles).
    public var clientID: String?
    /// The OAuth host, for example `https://auth.kimi.com` (OAuth profiles).
    public var oauthHost: String?
    /// The API base URL, ending in `/coding/v1`.
    public var baseURL: String
    /// Unix seconds.
    public var createdAt: Int64
    public var updatedAt: Int64
    public var lastUsedAt: Int64?
    /// When the stored access token expires (OAuth profiles), Unix seconds.
    public var accessExpiresAt: Int64?
    /// The device id sent in `X-Msh-Device-Id`, stable for the profile (OAuth profiles).
    public var deviceID: String?
    /// Set when the server rejected the refresh token; cleared by a new login.
    public var loginRequired: Bool
    /// When the stored refresh token was issued (at login or the last refresh), Unix seconds.
    /// Refresh tokens last about 30 days, so a dormant profile's login ages.
    public var refreshTokenIssuedAt: Int64?

    public init(
        id: String, name: String, kind: Kind, clientID: String? = nil, oauthHost: String? = nil,
        baseURL: String, createdAt: Int64, updatedAt: Int64, lastUsedAt: Int64? = nil,
        accessExpiresAt: Int64? = nil, deviceID: String? = nil, loginRequired: Bool = false,
        refreshTokenIssuedAt: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.clientID = clientID
        self.oauthHost = oauthHost
        self.baseURL = baseURL
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastUsedAt = lastUsedAt
        self.accessExpiresAt = accessExpiresAt
        self.deviceID = deviceID
        self.loginRequired = loginRequired
        self.refreshTokenIssuedAt = refreshTokenIssuedAt
    }
}
