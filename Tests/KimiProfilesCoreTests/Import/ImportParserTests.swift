import XCTest

@testable import KimiProfilesCore

/// Each token store of KIMI-PROTOCOL §4 parsed from bytes built here.
final class ImportParserTests: XCTestCase {
    let now: Int64 = 1_700_000_000
    let file = "/fixture/file.json"

    private func parse(
        _ source: ImportSource, _ text: String, key: [UInt8]? = nil
    ) throws -> ImportedLogin {
        let keyBytes = key.map { k in k.withUnsafeBytes { SecureBytes(copying: $0) } }
        return try Array(text.utf8).withUnsafeBytes { bytes in
            try ImportParser.parse(source, bytes, key: keyBytes, file: file, keyFile: "/fixture/.key", now: now)
        }
    }

    private func assertFails(
        _ source: ImportSource, _ text: String, key: [UInt8]? = nil, _ expected: ImportError,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            _ = try parse(source, text, key: key)
            XCTFail("parsed", file: file, line: line)
        } catch {
            XCTAssertEqual(error as? ImportError, expected, file: file, line: line)
        }
    }

    private func oauth(_ login: ImportedLogin, file: StaticString = #filePath, line: UInt = #line) -> OAuthTokens? {
        guard case let .oauth(tokens) = login.credential else {
            XCTFail("not OAuth", file: file, line: line)
            return nil
        }
        return tokens
    }

    // MARK: kimi-cli

    func testKimiCLIFileWithFloatSeconds() throws {
        let login = try parse(
            .kimiCLI,
            #"{"access_token":"eyJ.access","refresh_token":"eyJ.refresh","expires_at":1700000600.261056,"scope":"kimi-code","token_type":"Bearer","expires_in":900.0}"#
        )
        let tokens = try XCTUnwrap(oauth(login))
        XCTAssertEqual(text(tokens.accessToken), "eyJ.access")
        XCTAssertEqual(text(tokens.refreshToken), "eyJ.refresh")
        XCTAssertEqual(tokens.expiresAt, 1_700_000_600)
        XCTAssertEqual(tokens.lifetime, 900)
        XCTAssertEqual(login.kind, .oauth)
        XCTAssertFalse(login.wasEncrypted)
    }

    // MARK: kimi-code

    func testKimiCodeFileWithIntegerSecondsPrettyPrinted() throws {
        let login = try parse(
            .kimiCode,
            """
            {
              "access_token": "ac\\u0063ess",
              "refresh_token": "refresh",
              "expires_at": 1700000300,
              "scope": "kimi-code",
              "token_type": "Bearer"
            }

            """)
        let tokens = try XCTUnwrap(oauth(login))
        XCTAssertEqual(text(tokens.accessToken), "access")
        XCTAssertEqual(tokens.expiresAt, 1_700_000_300)
        // No expires_in: the lifetime is what remains.
        XCTAssertEqual(tokens.lifetime, 300)
    }

    func testKimiCodeTombstoneSaysLoggedOut() {
        assertFails(
            .kimiCode, #"{"access_token":"","refresh_token":"","expires_at":0,"scope":"","token_type":"Bearer"}"#,
            .loggedOut(.kimiCode, path: file))
    }

    func testLifetimeRules() {
        let access = Secret("a")
        let refresh = Secret("r")
        // expires_in wins.
        XCTAssertEqual(ImportParser.tokens(access: access, refresh: refresh, expiresAt: 1_700_000_100, expiresIn: 3600, now: now).lifetime, 3600)
        // Derived from the expiry, at least 60 s.
        XCTAssertEqual(ImportParser.tokens(access: access, refresh: refresh, expiresAt: 1_700_000_500, expiresIn: nil, now: now).lifetime, 500)
        let expired = ImportParser.tokens(access: access, refresh: refresh, expiresAt: 1_600_000_000, expiresIn: nil, now: now)
        XCTAssertEqual(expired.lifetime, 60)
        XCTAssertEqual(expired.expiresAt, 1_600_000_000)
        // Neither: 900 s, and the access token counts as expired now.
        let unknown = ImportParser.tokens(access: access, refresh: refresh, expiresAt: nil, expiresIn: nil, now: now)
        XCTAssertEqual(unknown.lifetime, 900)
        XCTAssertEqual(unknown.expiresAt, now)
    }

    func testMillisecondsAndSecondsAreToldApart() {
        XCTAssertEqual(ImportParser.epochSeconds(1_700_000_900_000), 1_700_000_900)
        XCTAssertEqual(ImportParser.epochSeconds(1_700_000_900), 1_700_000_900)
        XCTAssertEqual(ImportParser.epochSeconds(1_700_000_900.75), 1_700_000_900)
        XCTAssertEqual(ImportParser.epochSeconds(99_999_999_999), 99_999_999_999)
        XCTAssertEqual(ImportParser.epochSeconds(100_000_000_000), 100_000_000)
    }

    // MARK: opencode-kimi-auth

    static let plaintext =
        #"{"access_token":"oka-access","refresh_token":"oka-refresh","token_type":"Bearer","expires_in":900,"scope":"kimi-code","expires_at":1700000900000,"device_id":"3f1c2b9a-0000-4000-8000-000000000000"}"#

    func testOpencodeKimiAuthPlaintextV01WithMilliseconds() throws {
        let login = try parse(.opencodeKimiAuth, Self.plaintext)
        let tokens = try XCTUnwrap(oauth(login))
        XCTAssertEqual(text(tokens.accessToken), "oka-access")
        XCTAssertEqual(text(tokens.refreshToken), "oka-refresh")
        XCTAssertEqual(tokens.expiresAt, 1_700_000_900)
        XCTAssertEqual(tokens.lifetime, 900)
        XCTAssertFalse(login.wasEncrypted)
    }

    /// Builds `{"encrypted": base64(iv16 ‖ tag16 ‖ ciphertext)}` with the project's AES-GCM.
    static func sealed(_ plaintext: String, key: [UInt8], iv: [UInt8]) throws -> String {
        let symmetric = try XCTUnwrap(makeKey(key))
        let (ciphertext, tag) = try Array(plaintext.utf8).withUnsafeBytes {
            try AESGCM.seal($0, key: symmetric, nonce: iv, associatedData: [])
        }
        let blob = iv + tag + ciphertext
        return "{\n  \"encrypted\": \"\(base64(blob))\"\n}"
    }

    /// A plain base64 encoder for fixtures (Node's Buffer.toString('base64')).
    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * UInt32($1.offset)) }
            for position in 0..<4 {
                out.append(position <= chunk.count ? alphabet[Int((value >> (18 - 6 * UInt32(position))) & 63)] : "=")
            }
            index += 3
        }
        return out
    }

    let key = (0..<32).map { UInt8($0) }
    let iv = (0..<16).map { UInt8(0xa0 + $0) }

    func testOpencodeKimiAuthEncryptedRoundTrip() throws {
        let file = try Self.sealed(Self.plaintext, key: key, iv: iv)
        let login = try parse(.opencodeKimiAuth, file, key: key)
        let tokens = try XCTUnwrap(oauth(login))
        XCTAssertEqual(text(tokens.accessToken), "oka-access")
        XCTAssertEqual(text(tokens.refreshToken), "oka-refresh")
        XCTAssertEqual(tokens.expiresAt, 1_700_000_900)
        XCTAssertTrue(login.wasEncrypted)
    }

    /// A file sealed once by Node's `crypto.createCipheriv('aes-256-gcm', key, iv16)` exactly as
    /// opencode-kimi-auth does (key 00…1f, IV a0…af), checked independently with Python's
    /// `cryptography`: pins the IV ‖ tag ‖ ciphertext layout and the 16-byte IV handling.
    static let knownAnswer =
        "oKGio6SlpqeoqaqrrK2ur4cM9k5oyVyhB6SO1OzDMCpRgULfe6i+BZzqcNqIeq+qoC4iDVNVMs+YYRmUNRdU4mrjgxD9jMvShWxegCJg3JFuF9UHsnfIUo4bUkbVCsuMZ8GCe3ipnVKmz2AoSZmHyoRe3ck+JPWBllsdV49iQG3iLhnBWQYew9yi4R2snsx/Jx47Gy0LiNYnet2lozvM44LrO9lgqmXvj6HCQv4="
    static let knownPlaintext =
        #"{"access_token":"kat-access","refresh_token":"kat-refresh","token_type":"Bearer","expires_in":900,"expires_at":1700000900000,"device_id":"d"}"#

    func testOpencodeKimiAuthKnownAnswerFromNode() throws {
        let login = try parse(.opencodeKimiAuth, #"{"encrypted":"\#(Self.knownAnswer)"}"#, key: key)
        let tokens = try XCTUnwrap(oauth(login))
        XCTAssertEqual(text(tokens.accessToken), "kat-access")
        XCTAssertEqual(text(tokens.refreshToken), "kat-refresh")
        XCTAssertEqual(tokens.expiresAt, 1_700_000_900)
        // And the project's own seal makes the very same bytes.
        XCTAssertEqual(try Self.sealed(Self.knownPlaintext, key: key, iv: iv), "{\n  \"encrypted\": \"\(Self.knownAnswer)\"\n}")
    }

    func testOpencodeKimiAuthWrongKeyIsUndecryptable() throws {
        let file = try Self.sealed(Self.plaintext, key: key, iv: iv)
        var wrong = key
        wrong[0] ^= 1
        assertFails(.opencodeKimiAuth, file, key: wrong, .undecryptable(path: self.file, keyPath: "/fixture/.key"))
    }

    func testOpencodeKimiAuthFlippedByteIsUndecryptable() throws {
        let symmetric = try XCTUnwrap(makeKey(key))
        let (ciphertext, tag) = try Array(Self.plaintext.utf8).withUnsafeBytes {
            try AESGCM.seal($0, key: symmetric, nonce: iv, associatedData: [])
        }
        let blob = iv + tag + ciphertext
        for index in [0, 15, 16, 31, 32, blob.count - 1] {
            var altered = blob
            altered[index] ^= 0x40
            assertFails(
                .opencodeKimiAuth, #"{"encrypted":"\#(Self.base64(altered))"}"#, key: key,
                .undecryptable(path: file, keyPath: "/fixture/.key"))
        }
    }

    func testOpencodeKimiAuthDamage() throws {
        assertFails(.opencodeKimiAuth, #"{"encrypted":"AAAA"}"#, key: key,
            .damaged(.opencodeKimiAuth, path: file, detail: "'encrypted' is too short to hold an IV and a tag"))
        assertFails(.opencodeKimiAuth, #"{"encrypted":"not base64!"}"#, key: key,
            .damaged(.opencodeKimiAuth, path: file, detail: "'encrypted' is not base64"))
        assertFails(.opencodeKimiAuth, #"{"encrypted":42}"#, key: key,
            .damaged(.opencodeKimiAuth, path: file, detail: "'encrypted' is not a string"))
        assertFails(.opencodeKimiAuth, #"{"encrypted":"AAAA"}"#, key: Array(key.prefix(16)),
            .damaged(.opencodeKimiAuth, path: "/fixture/.key", detail: "the key holds 16 bytes, not 32"))
        assertFails(.opencodeKimiAuth, #"{"encrypted":"AAAA"}"#, key: nil,
            .missing(.opencodeKimiAuth, path: "/fixture/.key"))
        // A sealed payload that is not the token object.
        let notJSON = try Self.sealed("garbage", key: key, iv: iv)
        assertFails(.opencodeKimiAuth, notJSON, key: key,
            .damaged(.opencodeKimiAuth, path: file, detail: "the decrypted content is not a JSON object"))
    }

    // MARK: OpenCode auth.json

    func testOpencodeAPIEntryMakesAnAPIKeyProfile() throws {
        let login = try parse(
            .opencode,
            #"{"anthropic":{"type":"api","key":"sk-ant-x"},"kimi-for-coding":{"type":"api","key":"sk-kimi-abc","metadata":{}}}"#)
        guard case let .apiKey(key) = login.credential else { return XCTFail("not an API key") }
        XCTAssertEqual(text(key), "sk-kimi-abc")
        XCTAssertEqual(login.kind, .apiKey)
    }

    func testOpencodeOAuthEntryInMillisecondsAndSeconds() throws {
        let ms = try parse(.opencode, #"{"kimi-for-coding":{"type":"oauth","refresh":"oc-r","access":"oc-a","expires":1700000450000}}"#)
        let msTokens = try XCTUnwrap(oauth(ms))
        XCTAssertEqual(text(msTokens.accessToken), "oc-a")
        XCTAssertEqual(text(msTokens.refreshToken), "oc-r")
        XCTAssertEqual(msTokens.expiresAt, 1_700_000_450)
        XCTAssertEqual(msTokens.lifetime, 450)
        let seconds = try parse(.opencode, #"{"kimi-for-coding/":{"type":"oauth","refresh":"oc-r","access":"oc-a","expires":1700000450}}"#)
        XCTAssertEqual(try XCTUnwrap(oauth(seconds)).expiresAt, 1_700_000_450)
    }

    func testOpencodeFailures() {
        assertFails(.opencode, #"{"anthropic":{"type":"api","key":"k"}}"#, .noEntry(path: file, provider: "kimi-for-coding"))
        assertFails(.opencode, #"{"kimi-for-coding":{"type":"wellknown","key":"k","token":"t"}}"#,
            .damaged(.opencode, path: file, detail: "entry 'kimi-for-coding' has type 'wellknown', not api or oauth"))
        assertFails(.opencode, #"{"kimi-for-coding":{"type":"api"}}"#,
            .damaged(.opencode, path: file, detail: "entry 'kimi-for-coding' has no key"))
        assertFails(.opencode, #"{"kimi-for-coding":{"type":"oauth","access":"a","expires":1}}"#,
            .damaged(.opencode, path: file, detail: "entry 'kimi-for-coding' has no refresh token"))
        assertFails(.opencode, #"{"kimi-for-coding":"sk-kimi-x"}"#,
            .damaged(.opencode, path: file, detail: "entry 'kimi-for-coding' is not an object"))
        for key in [#"sk-kimi-a\nb"#, "sk-kimi- spaced", #"sk-kimi-\u00e9"#] {
            assertFails(.opencode, #"{"kimi-for-coding":{"type":"api","key":""# + key + #""}}"#,
                .damaged(.opencode, path: file, detail: "the key of entry 'kimi-for-coding' is not printable ASCII"))
        }
    }

    // MARK: Damage common to all

    func testDamagedFilesNameTheFileAndNoValue() {
        for source in ImportSource.allCases {
            assertFails(source, "", .damaged(source, path: file, detail: "it is empty"))
            assertFails(source, #"{"access_token":"secret-value""#, .damaged(source, path: file, detail: "it is not valid JSON"))
            assertFails(source, #"["secret-value"]"#, .damaged(source, path: file, detail: "it is not a JSON object"))
        }
        for source in [ImportSource.kimiCLI, .kimiCode, .opencodeKimiAuth] {
            assertFails(source, #"{"refresh_token":"secret-value"}"#, .damaged(source, path: file, detail: "it has no access_token"))
            assertFails(source, #"{"access_token":"secret-value"}"#, .damaged(source, path: file, detail: "it has no refresh_token"))
            assertFails(source, #"{"access_token":"a","refresh_token":"b","expires_at":"soon"}"#,
                .damaged(source, path: file, detail: "expires_at is not a number"))
        }
    }

    func testErrorDescriptionsAreOneClauseNamingTheFile() {
        let errors: [ImportError] = [
            .missing(.kimiCLI, path: file), .damaged(.kimiCode, path: file, detail: "it is empty"),
            .undecryptable(path: file, keyPath: "/fixture/.key"), .loggedOut(.kimiCode, path: file),
            .noEntry(path: file, provider: "kimi-for-coding"),
            .unreadable(path: file, .io(operation: "open", path: file, errno: .permissionDenied)),
        ]
        for error in errors {
            XCTAssertTrue(error.description.contains(file), error.description)
            XCTAssertEqual(error.description.first?.isUppercase, false, error.description)
            XCTAssertFalse(error.description.hasSuffix("."), error.description)
        }
    }
}
