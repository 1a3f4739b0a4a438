import Foundation
import XCTest

@testable import KimiProfilesCore

/// Bytes from hex typed into a test. A typo fails the test that made it, never the whole run.
func hexBytes(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [UInt8] {
    guard let bytes = Hex.decode(text) else {
        XCTFail("not hex: \(text)", file: file, line: line)
        return []
    }
    return bytes
}

/// An AES-256 key from raw bytes; nil unless there are 32 of them.
func makeKey(_ bytes: [UInt8]) -> SymmetricKey? {
    bytes.withUnsafeBytes { SymmetricKey(SecureBytes(copying: $0)) }
}

/// A fresh random AES-256 key.
func randomKey() -> SymmetricKey {
    makeKey(SecureRandom.bytes(count: 32))!
}

/// A copy of wiped bytes, for comparing in a test.
func array(_ bytes: SecureBytes) -> [UInt8] {
    bytes.withUnsafeBytes { Array($0) }
}

/// A copy of a secret's bytes, for comparing in a test.
func array(_ secret: Secret) -> [UInt8] {
    secret.withUnsafeBytes { Array($0) }
}

/// A secret's bytes as text, for comparing in a test.
func text(_ secret: Secret) -> String {
    secret.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
}

/// Wiped bytes as text, for comparing in a test.
func text(_ bytes: SecureBytes) -> String {
    bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
}

/// A profile with plausible metadata.
func makeProfile(
    _ name: String, kind: Profile.Kind = .apiKey, clientID: String? = nil,
    createdAt: Int64 = 1_700_000_000, accessExpiresAt: Int64? = nil
) -> Profile {
    Profile(
        id: SecureRandom.uuid(), name: name, kind: kind,
        clientID: kind == .oauth ? (clientID ?? Region.builtInClientID) : clientID,
        oauthHost: kind == .oauth ? Region.cn.oauthHost : nil, baseURL: Region.cn.baseURL,
        createdAt: createdAt, updatedAt: createdAt, accessExpiresAt: accessExpiresAt)
}

/// OAuth tokens with recognisable values.
func makeTokens(
    access: String = "access-token", refresh: String = "refresh-token", expiresAt: Int64 = 1_700_000_900,
    lifetime: Int64 = 900, account: String? = "user@example.com"
) -> OAuthTokens {
    OAuthTokens(
        accessToken: Secret(access), refreshToken: Secret(refresh), expiresAt: expiresAt,
        lifetime: lifetime, account: account.map { Secret($0) })
}

/// Sets the process's umask for the duration of `body`, then restores it.
func withUmask<R>(_ mask: mode_t, _ body: () throws -> R) rethrows -> R {
    let previous = umask(mask)
    defer { umask(previous) }
    return try body()
}

/// Writes `bytes` to `path` with `mode` (the mode is set after writing, whatever the umask).
func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    chmod(path, mode)
}

/// Creates `path` and its parents as folders.
func makeFolders(_ path: String) {
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
}
