/// A credential read from another tool's store, ready to become a profile.
public struct ImportedLogin: Sendable {
    /// The credential: OAuth tokens, or an API key (OpenCode `api` entries).
    public let credential: Credential
    /// The file it came from.
    public let file: String
    /// Whether the file was sealed (opencode-kimi-auth 0.2 and later).
    public let wasEncrypted: Bool

    public init(credential: Credential, file: String, wasEncrypted: Bool) {
        self.credential = credential
        self.file = file
        self.wasEncrypted = wasEncrypted
    }

    /// The profile kind the credential makes.
    public var kind: Profile.Kind {
        if case .apiKey = credential { return .apiKey }
        return .oauth
    }
}
