import XCTest

@testable import KimiProfilesCore

/// A secret never shows its bytes in any printed form.
final class SecretTests: XCTestCase {
    private let plaintext = "sk-kimi-hunter2-SECRETVALUE"

    func testInterpolationIsRedacted() {
        let secret = Secret(plaintext)
        XCTAssertEqual("\(secret)", "<redacted>")
        XCTAssertEqual(secret.description, "<redacted>")
        XCTAssertEqual(secret.debugDescription, "<redacted>")
        XCTAssertEqual(String(describing: secret), "<redacted>")
    }

    func testReflectionIsRedacted() {
        let secret = Secret(plaintext)
        XCTAssertFalse(String(reflecting: secret).contains("hunter2"))
        XCTAssertTrue(Mirror(reflecting: secret).children.isEmpty)
        var dumped = ""
        dump(secret, to: &dumped)
        XCTAssertFalse(dumped.contains("hunter2"), dumped)
        XCTAssertTrue(dumped.contains("redacted"), dumped)
    }

    func testContainersDoNotRevealIt() {
        let secret = Secret(plaintext)
        let tokens = OAuthTokens(
            accessToken: secret, refreshToken: Secret("refresh-" + plaintext), expiresAt: 1, lifetime: 2,
            account: Secret("mail-" + plaintext))
        let printed = [
            "\([secret])", "\(Optional(secret) as Any)", "\(tokens)", String(reflecting: tokens),
            "\(Credential.apiKey(secret))", "\(Credential.oauth(tokens))",
        ]
        for text in printed {
            XCTAssertFalse(text.contains("hunter2"), text)
        }
        var dumped = ""
        dump(Credential.oauth(tokens), to: &dumped)
        XCTAssertFalse(dumped.contains("hunter2"), dumped)
    }

    func testBytesAreReachableThroughWithUnsafeBytes() {
        let secret = Secret(plaintext)
        XCTAssertEqual(text(secret), plaintext)
        XCTAssertEqual(secret.count, plaintext.utf8.count)
        XCTAssertFalse(secret.isEmpty)
        XCTAssertTrue(Secret("").isEmpty)
    }

    func testEqualityComparesBytes() {
        XCTAssertEqual(Secret("abc"), Secret("abc"))
        XCTAssertNotEqual(Secret("abc"), Secret("abd"))
        XCTAssertNotEqual(Secret("abc"), Secret("abcd"))
        XCTAssertEqual(Secret(""), Secret(""))
    }

    func testHasPrefix() {
        XCTAssertTrue(Secret("sk-kimi-123").hasPrefix("sk-kimi-"))
        XCTAssertFalse(Secret("sk-kim").hasPrefix("sk-kimi-"))
        XCTAssertFalse(Secret("xsk-kimi-1").hasPrefix("sk-kimi-"))
        XCTAssertTrue(Secret("anything").hasPrefix(""))
    }
}
