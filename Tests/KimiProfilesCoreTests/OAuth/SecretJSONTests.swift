import KimiProfilesCore
import XCTest

final class SecretJSONTests: XCTestCase {
    func parse(_ text: String) -> SecretJSON? {
        Array(text.utf8).withUnsafeBytes { SecretJSON.parse($0) }
    }

    func testTokenResponse() throws {
        let json = try XCTUnwrap(parse(#" {"access_token":"a\"b\\c\/d\u00e9\ud83d\ude00","expires_in":"900","n":1.5e2,"ok":true,"x":null,"l":[1,{}]} "#))
        XCTAssertEqual(json.secret("access_token"), Secret("a\"b\\c/dé😀"))
        XCTAssertEqual(json.number("expires_in"), 900)
        XCTAssertEqual(json.number("n"), 150)
        XCTAssertNil(json.secret("missing"))
        XCTAssertNil(json.number("ok"))
        XCTAssertEqual("\(json.secret("access_token")!)", "<redacted>")
    }

    func testErrorShapes() throws {
        let nested = try XCTUnwrap(parse(#"{"error":{"code":"invalid_grant","message":"gone"}}"#))
        XCTAssertEqual(nested["error"]?.text("code"), "invalid_grant")
        XCTAssertEqual(nested["error"]?.text("message"), "gone")
    }

    func testInvalidInputIsNil() {
        for text in ["", "{", "{\"a\":}", "[1,]", "{\"a\":1,}", "\"\u{01}\"", "tru", "{\"a\" 1}", "1 2", "\"\\x\"",
            "\"\\ud800\"", String(repeating: "[", count: 40) + String(repeating: "]", count: 40)]
        {
            XCTAssertNil(parse(text), text)
        }
    }
}
