import XCTest

@testable import KimiProfilesCore

final class CredentialCodingTests: XCTestCase {
    private func roundTrip(_ credential: Credential) -> Credential? {
        CredentialCoding.decode(CredentialCoding.encode(credential))
    }

    private func decode(_ bytes: [UInt8]) -> Credential? {
        CredentialCoding.decode(bytes.withUnsafeBytes { SecureBytes(copying: $0) })
    }

    func testAPIKeyRoundTrips() {
        let credential = Credential.apiKey(Secret("sk-kimi-abc\"\\\n\u{0}é"))
        XCTAssertEqual(roundTrip(credential), credential)
    }

    func testOAuthWithAccountRoundTrips() throws {
        let tokens = makeTokens(expiresAt: 1_700_000_900, lifetime: 900, account: "me@example.com")
        let decoded = try XCTUnwrap(roundTrip(.oauth(tokens)))
        XCTAssertEqual(decoded, .oauth(tokens))
        guard case .oauth(let back) = decoded else { return XCTFail("not oauth") }
        XCTAssertEqual(text(back.accessToken), "access-token")
        XCTAssertEqual(text(back.refreshToken), "refresh-token")
        XCTAssertEqual(back.expiresAt, 1_700_000_900)
        XCTAssertEqual(back.lifetime, 900)
        XCTAssertEqual(back.account.map(text), "me@example.com")
    }

    func testOAuthWithoutAccountRoundTrips() throws {
        let tokens = makeTokens(expiresAt: -5, lifetime: 0, account: nil)
        let decoded = try XCTUnwrap(roundTrip(.oauth(tokens)))
        XCTAssertEqual(decoded, .oauth(tokens))
        guard case .oauth(let back) = decoded else { return XCTFail("not oauth") }
        XCTAssertNil(back.account)
        XCTAssertEqual(back.expiresAt, -5)
    }

    func testEmptySecretsRoundTrip() {
        let credential = Credential.oauth(makeTokens(access: "", refresh: "", account: ""))
        XCTAssertEqual(roundTrip(credential), credential)
    }

    func testEncodingIsTagLengthValue() {
        let encoded = array(CredentialCoding.encode(.apiKey(Secret("xyz"))))
        XCTAssertEqual(encoded, [1, 0, 0, 0, 3] + Array("xyz".utf8))
    }

    func testBearerIsTheKeyOrTheAccessToken() {
        XCTAssertEqual(Credential.apiKey(Secret("k")).bearer, Secret("k"))
        XCTAssertEqual(Credential.oauth(makeTokens(access: "a")).bearer, Secret("a"))
    }

    func testGarbageDecodesToNil() {
        XCTAssertNil(decode([]))
        XCTAssertNil(decode([1, 0, 0]))  // header cut short
        XCTAssertNil(decode([1, 0, 0, 0, 10] + Array("short".utf8)))  // length past the end
        XCTAssertNil(decode([1, 0xff, 0xff, 0xff, 0xff]))
        XCTAssertNil(decode(Array("{\"api_key\":\"sk-kimi\"}".utf8)))
        XCTAssertNil(decode(SecureRandom.bytes(count: 3)))
    }

    func testIncompleteOAuthDecodesToNil() {
        // An access token alone, without refresh token, expiry or lifetime.
        XCTAssertNil(decode([2, 0, 0, 0, 1, 0x61]))
        // Every field but with a non-numeric expiry.
        let fields: [(UInt8, String)] = [(2, "a"), (3, "r"), (4, "soon"), (5, "900")]
        var bytes: [UInt8] = []
        for (tag, value) in fields { bytes += [tag, 0, 0, 0, UInt8(value.utf8.count)] + Array(value.utf8) }
        XCTAssertNil(decode(bytes))
    }

    func testUnknownFieldsAreSkipped() {
        let bytes: [UInt8] = [99, 0, 0, 0, 2, 7, 7] + [1, 0, 0, 0, 1, 0x6b]
        XCTAssertEqual(decode(bytes), .apiKey(Secret("k")))
    }
}
