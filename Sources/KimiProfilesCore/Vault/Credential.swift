/// The secret part of a profile, sealed as one blob in the vault.
public enum Credential: Sendable, Equatable {
    /// A static `sk-kimi-…` key.
    case apiKey(Secret)
    /// OAuth tokens from the device flow.
    case oauth(OAuthTokens)

    /// The credential to present to Kimi right now.
    public var bearer: Secret {
        switch self {
        case let .apiKey(key): return key
        case let .oauth(tokens): return tokens.accessToken
        }
    }
}

/// An OAuth token pair. The refresh token is single-use: it is replaced with the access token
/// in one transaction.
public struct OAuthTokens: Sendable, Equatable {
    public var accessToken: Secret
    public var refreshToken: Secret
    /// Unix seconds at which the access token expires.
    public var expiresAt: Int64
    /// The lifetime the server gave (`expires_in`), in seconds.
    public var lifetime: Int64
    /// The account's label (for example an e-mail address), when known.
    public var account: Secret?

    public init(
        accessToken: Secret, refreshToken: Secret, expiresAt: Int64, lifetime: Int64,
        account: Secret? = nil
    ) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.lifetime = lifetime
        self.account = account
    }
}

/// The plaintext layout inside a sealed credential: a list of (tag, length, bytes) fields, so
/// no secret ever passes through a Swift `String` or a JSON encoder.
enum CredentialCoding {
    private enum Tag: UInt8 {
        case apiKey = 1
        case accessToken = 2
        case refreshToken = 3
        case expiresAt = 4
        case lifetime = 5
        case account = 6
    }

    /// Encodes into wiped memory.
    static func encode(_ credential: Credential) -> SecureBytes {
        var fields: [(Tag, Secret)] = []
        switch credential {
        case let .apiKey(key):
            fields.append((.apiKey, key))
        case let .oauth(tokens):
            fields.append((.accessToken, tokens.accessToken))
            fields.append((.refreshToken, tokens.refreshToken))
            fields.append((.expiresAt, Secret(String(tokens.expiresAt))))
            fields.append((.lifetime, Secret(String(tokens.lifetime))))
            if let account = tokens.account { fields.append((.account, account)) }
        }
        let total = fields.reduce(0) { $0 + 5 + $1.1.count }
        return SecureBytes(count: total) { out in
            var offset = 0
            for (tag, value) in fields {
                out[offset] = tag.rawValue
                let length = UInt32(value.count)
                out[offset + 1] = UInt8(length >> 24)
                out[offset + 2] = UInt8((length >> 16) & 0xff)
                out[offset + 3] = UInt8((length >> 8) & 0xff)
                out[offset + 4] = UInt8(length & 0xff)
                offset += 5
                value.withUnsafeBytes { bytes in
                    UnsafeMutableRawBufferPointer(rebasing: out[offset..<offset + bytes.count])
                        .copyMemory(from: bytes)
                }
                offset += value.count
            }
        }
    }

    /// Decodes; nil when the layout is not one this version wrote.
    static func decode(_ plaintext: SecureBytes) -> Credential? {
        plaintext.withUnsafeBytes { bytes -> Credential? in
            // Indexed by tag rather than a dictionary: a `[Tag: Secret]` costs the runtime a scan
            // of every protocol conformance in the binary to find `Tag: Hashable`.
            var slots = [Secret?](repeating: nil, count: 7)
            var offset = 0
            while offset < bytes.count {
                guard offset + 5 <= bytes.count else { return nil }
                let rawTag = bytes[offset]
                let length =
                    Int(bytes[offset + 1]) << 24 | Int(bytes[offset + 2]) << 16
                    | Int(bytes[offset + 3]) << 8 | Int(bytes[offset + 4])
                offset += 5
                guard length <= bytes.count - offset else { return nil }
                let field = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
                if let tag = Tag(rawValue: rawTag) {
                    slots[Int(tag.rawValue)] = Secret(SecureBytes(copying: field))
                }
                offset += length
            }
            func value(_ tag: Tag) -> Secret? { slots[Int(tag.rawValue)] }
            if let key = value(.apiKey) { return .apiKey(key) }
            guard let access = value(.accessToken), let refresh = value(.refreshToken),
                let expiresAt = value(.expiresAt).flatMap(integer),
                let lifetime = value(.lifetime).flatMap(integer)
            else { return nil }
            return .oauth(
                OAuthTokens(
                    accessToken: access, refreshToken: refresh, expiresAt: expiresAt,
                    lifetime: lifetime, account: value(.account)))
        }
    }

    private static func integer(_ secret: Secret) -> Int64? {
        secret.withUnsafeBytes { Int64(String(decoding: $0, as: UTF8.self)) }
    }
}
