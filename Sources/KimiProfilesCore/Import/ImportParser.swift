/// Pure parsers for the token stores of KIMI-PROTOCOL §4: bytes in, a credential out, no file
/// or network access, so each can be tested (and fuzzed) on bytes alone.
///
/// Tokens go from the file's bytes into `Secret`s through `SecretJSON`, never through a Swift
/// `String`. Error details name fields, never values.
public enum ImportParser {
    /// The lifetime used when the file gives neither `expires_in` nor a usable expiry.
    public static let defaultLifetime: Int64 = 900
    /// The shortest lifetime derived from an expiry time.
    public static let minimumLifetime: Int64 = 60
    /// Expiry values at or above this are epoch milliseconds; below it, seconds (about the
    /// year 5138 in seconds, 1973 in milliseconds).
    public static let millisecondThreshold: Double = 1e11

    /// Parses the file of `source`. For an encrypted opencode-kimi-auth file, `key` is the
    /// content of `.key` and `keyFile` its path; `file` is used only in error messages.
    public static func parse(
        _ source: ImportSource, _ bytes: UnsafeRawBufferPointer, key: SecureBytes?, file: String,
        keyFile: String?, now: Int64
    ) throws(ImportError) -> ImportedLogin {
        switch source {
        case .opencodeKimiAuth:
            return try opencodeKimiAuth(bytes, key: key, file: file, keyFile: keyFile, now: now)
        case .kimiCLI, .kimiCode:
            let json = try object(bytes, source: source, file: file)
            let tokens = try tokenFile(json, source: source, file: file, now: now)
            return ImportedLogin(credential: .oauth(tokens), file: file, wasEncrypted: false)
        case .opencode:
            return try opencodeAuth(bytes, file: file, now: now)
        }
    }

    // MARK: opencode-kimi-auth

    /// Whether the bytes are opencode-kimi-auth's sealed form, `{"encrypted": "…"}`, which
    /// needs `.key`. Anything else is read as the plaintext of version 0.1.
    public static func isEncryptedOpencodeKimiAuth(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let json = SecretJSON.parse(bytes) else { return false }
        if case .string? = json["encrypted"] { return true }
        return false
    }

    /// `{"encrypted": base64(iv16 ‖ tag16 ‖ ciphertext)}`, AES-256-GCM with no associated
    /// data, keyed by the 32 raw bytes of `.key`; or, from version 0.1, the plaintext token
    /// object with `expires_at` in milliseconds.
    public static func opencodeKimiAuth(
        _ bytes: UnsafeRawBufferPointer, key: SecureBytes?, file: String, keyFile: String?, now: Int64
    ) throws(ImportError) -> ImportedLogin {
        let source = ImportSource.opencodeKimiAuth
        let json = try object(bytes, source: source, file: file)
        guard let encrypted = json["encrypted"] else {
            let tokens = try tokenFile(json, source: source, file: file, now: now)
            return ImportedLogin(credential: .oauth(tokens), file: file, wasEncrypted: false)
        }
        guard case let .string(text) = encrypted else {
            throw .damaged(source, path: file, detail: "'encrypted' is not a string")
        }
        let keyPath = keyFile ?? FileSystem.join(FileSystem.parentPath(of: file), ImportSource.keyFileName)
        guard let key else { throw .missing(source, path: keyPath) }
        guard let symmetricKey = SymmetricKey(key) else {
            throw .damaged(source, path: keyPath, detail: "the key holds \(key.count) bytes, not 32")
        }
        guard var blob = text.withUnsafeBytes({ Base64.decode($0) }) else {
            throw .damaged(source, path: file, detail: "'encrypted' is not base64")
        }
        defer { blob.withUnsafeMutableBytes { wipe($0) } }
        let ivCount = 16
        let tagCount = AESGCM.tagByteCount
        guard blob.count >= ivCount + tagCount else {
            throw .damaged(source, path: file, detail: "'encrypted' is too short to hold an IV and a tag")
        }
        let plaintext: SecureBytes
        do {
            plaintext = try blob.withUnsafeBytes { (raw) throws(CryptoError) in
                try AESGCM.open(
                    ciphertext: UnsafeRawBufferPointer(rebasing: raw[(ivCount + tagCount)...]),
                    tag: UnsafeRawBufferPointer(rebasing: raw[ivCount..<(ivCount + tagCount)]),
                    key: symmetricKey, nonce: Array(raw[0..<ivCount]), associatedData: [])
            }
        } catch {
            throw .undecryptable(path: file, keyPath: keyPath)
        }
        let inner = try plaintext.withUnsafeBytes { (raw) throws(ImportError) in
            guard let inner = SecretJSON.parse(raw), case .object = inner else {
                throw .damaged(source, path: file, detail: "the decrypted content is not a JSON object")
            }
            return inner
        }
        let tokens = try tokenFile(inner, source: source, file: file, now: now)
        return ImportedLogin(credential: .oauth(tokens), file: file, wasEncrypted: true)
    }

    // MARK: kimi-cli, kimi-code and the plaintext of opencode-kimi-auth

    /// `{access_token, refresh_token, expires_at, expires_in?, scope?, token_type?}`, the
    /// snake_case shape all three write. `expires_at` is seconds (float for kimi-cli, integer
    /// for kimi-code) or, for opencode-kimi-auth, milliseconds: told apart by size.
    static func tokenFile(
        _ json: SecretJSON, source: ImportSource, file: String, now: Int64
    ) throws(ImportError) -> OAuthTokens {
        let access = json.secret("access_token")
        let refresh = json.secret("refresh_token")
        if access == nil, refresh == nil, isEmptyString(json["access_token"]),
            isEmptyString(json["refresh_token"])
        {
            throw .loggedOut(source, path: file)
        }
        guard let access else { throw .damaged(source, path: file, detail: "it has no access_token") }
        guard let refresh else { throw .damaged(source, path: file, detail: "it has no refresh_token") }
        let expiresAt = try expiry(json, "expires_at", source: source, file: file)
        let expiresIn = try expiry(json, "expires_in", source: source, file: file)
        return tokens(access: access, refresh: refresh, expiresAt: expiresAt, expiresIn: expiresIn, now: now)
    }

    // MARK: OpenCode auth.json

    /// OpenCode's `auth.json`, entry `kimi-for-coding`: `{"type":"api","key":…}` or
    /// `{"type":"oauth","refresh":…,"access":…,"expires":…}` with `expires` in milliseconds
    /// (OpenCode) or seconds (some plugins).
    public static func opencodeAuth(
        _ bytes: UnsafeRawBufferPointer, file: String, now: Int64
    ) throws(ImportError) -> ImportedLogin {
        let source = ImportSource.opencode
        let json = try object(bytes, source: source, file: file)
        guard case let .object(members) = json else { throw .damaged(source, path: file, detail: "it is not a JSON object") }
        // OpenCode normalises a trailing '/' in provider ids.
        let provider = ImportSource.opencodeProvider
        guard
            let entry = members.first(where: { $0.0 == provider })?.1
                ?? members.first(where: { trimmingSlashes($0.0) == provider })?.1
        else {
            throw .noEntry(path: file, provider: provider)
        }
        guard case .object = entry else {
            throw .damaged(source, path: file, detail: "entry '\(provider)' is not an object")
        }
        switch entry.text("type") {
        case "api"?:
            guard let key = entry.secret("key") else {
                throw .damaged(source, path: file, detail: "entry '\(provider)' has no key")
            }
            // As `add --api-key-stdin` requires: one word of printable ASCII, fit for a header.
            guard key.withUnsafeBytes({ $0.allSatisfy { $0 > 0x20 && $0 < 0x7f } }) else {
                throw .damaged(source, path: file, detail: "the key of entry '\(provider)' is not printable ASCII")
            }
            return ImportedLogin(credential: .apiKey(key), file: file, wasEncrypted: false)
        case "oauth"?:
            let access = entry.secret("access")
            let refresh = entry.secret("refresh")
            if access == nil, refresh == nil, isEmptyString(entry["access"]), isEmptyString(entry["refresh"]) {
                throw .loggedOut(source, path: file)
            }
            guard let access else { throw .damaged(source, path: file, detail: "entry '\(provider)' has no access token") }
            guard let refresh else { throw .damaged(source, path: file, detail: "entry '\(provider)' has no refresh token") }
            let expiresAt = try expiry(entry, "expires", source: source, file: file)
            let tokens = tokens(access: access, refresh: refresh, expiresAt: expiresAt, expiresIn: nil, now: now)
            return ImportedLogin(credential: .oauth(tokens), file: file, wasEncrypted: false)
        case let other?:
            throw .damaged(source, path: file, detail: "entry '\(provider)' has type '\(printable(other))', not api or oauth")
        case nil:
            throw .damaged(source, path: file, detail: "entry '\(provider)' has no type")
        }
    }

    // MARK: Shared

    /// Unix seconds from a stored expiry in seconds or milliseconds.
    public static func epochSeconds(_ value: Double) -> Int64 {
        let seconds = value >= millisecondThreshold ? value / 1000 : value
        return Int64(seconds.rounded(.down))
    }

    /// The tokens with their expiry and lifetime: the lifetime is `expires_in` when given,
    /// else what remains until the expiry (at least a minute), else 900 s. Without an expiry
    /// the access token is taken as expired now, so the first use refreshes it.
    static func tokens(
        access: Secret, refresh: Secret, expiresAt: Double?, expiresIn: Double?, now: Int64
    ) -> OAuthTokens {
        let expiry = expiresAt.flatMap { $0 > 0 ? epochSeconds($0) : nil }
        let lifetime: Int64
        if let expiresIn, expiresIn >= 1 {
            lifetime = Int64(expiresIn.rounded(.down))
        } else if let expiry {
            lifetime = max(minimumLifetime, expiry - now)
        } else {
            lifetime = defaultLifetime
        }
        return OAuthTokens(
            accessToken: access, refreshToken: refresh, expiresAt: expiry ?? now, lifetime: lifetime)
    }

    /// A numeric member that may be absent or null; anything else there is damage.
    private static func expiry(
        _ json: SecretJSON, _ key: String, source: ImportSource, file: String
    ) throws(ImportError) -> Double? {
        switch json[key] {
        case nil, .null?: return nil
        case let .number(value)?:
            guard value.isFinite, value >= 0, value < 1e15 else {
                throw .damaged(source, path: file, detail: "\(key) is out of range")
            }
            return value
        default:
            guard let value = json.number(key), value.isFinite, value >= 0, value < 1e15 else {
                throw .damaged(source, path: file, detail: "\(key) is not a number")
            }
            return value
        }
    }

    private static func object(
        _ bytes: UnsafeRawBufferPointer, source: ImportSource, file: String
    ) throws(ImportError) -> SecretJSON {
        guard let json = SecretJSON.parse(bytes) else {
            throw .damaged(source, path: file, detail: bytes.isEmpty ? "it is empty" : "it is not valid JSON")
        }
        guard case .object = json else { throw .damaged(source, path: file, detail: "it is not a JSON object") }
        return json
    }

    private static func isEmptyString(_ value: SecretJSON?) -> Bool {
        if case let .string(text)? = value { return text.isEmpty }
        return false
    }

    private static func trimmingSlashes(_ text: String) -> String {
        var result = Substring(text)
        while result.hasSuffix("/") { result = result.dropLast() }
        return String(result)
    }

    /// A short printable excerpt of a non-secret value (an entry's type) for a message.
    private static func printable(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7f }.prefix(20).map(Character.init))
    }
}
