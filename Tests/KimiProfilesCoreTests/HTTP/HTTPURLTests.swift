import XCTest

@testable import KimiProfilesCore

final class HTTPURLTests: XCTestCase {
    func testParts() throws {
        let url = try XCTUnwrap(HTTPURL("https://api.kimi.com/coding/v1/usages?x=1#frag"))
        XCTAssertEqual(url.scheme, "https")
        XCTAssertEqual(url.host, "api.kimi.com")
        XCTAssertEqual(url.port, 443)
        XCTAssertEqual(url.target, "/coding/v1/usages?x=1")
        XCTAssertEqual(url.authority, "api.kimi.com")
        XCTAssertEqual(url.description, "https://api.kimi.com/coding/v1/usages?x=1")
    }

    func testDefaultsAndExplicitPorts() throws {
        XCTAssertEqual(HTTPURL("http://127.0.0.1")?.port, 80)
        XCTAssertEqual(HTTPURL("http://127.0.0.1")?.target, "/")
        XCTAssertEqual(HTTPURL("http://127.0.0.1:8080?q")?.target, "/?q")
        XCTAssertEqual(HTTPURL("https://h:8443/")?.authority, "h:8443")
        XCTAssertEqual(HTTPURL("https://h:443/")?.authority, "h")
        XCTAssertEqual(HTTPURL("https://h:00443/")?.port, 443)
    }

    func testSchemeAndHostAreCaseInsensitive() throws {
        let url = try XCTUnwrap(HTTPURL("HTTPS://API.Kimi.COM/Path"))
        XCTAssertEqual(url.scheme, "https")
        XCTAssertEqual(url.host, "api.kimi.com")
        XCTAssertEqual(url.target, "/Path")
    }

    func testIPv6() throws {
        let url = try XCTUnwrap(HTTPURL("http://[::1]:8080/x"))
        XCTAssertEqual(url.host, "::1")
        XCTAssertEqual(url.port, 8080)
        XCTAssertEqual(url.authority, "[::1]:8080")
        XCTAssertTrue(url.isLoopback)
        XCTAssertEqual(HTTPURL("https://[2001:db8::1]")?.authority, "[2001:db8::1]")
        XCTAssertNil(HTTPURL("http://[::1/"))
        XCTAssertNil(HTTPURL("http://[::1]x/"))
        XCTAssertNil(HTTPURL("http://::1/"))
        XCTAssertNil(HTTPURL("http://[fe80::1%25eth0]/"))
        XCTAssertNil(HTTPURL("http://[example.com]/"))
    }

    func testLoopback() {
        for text in ["http://127.0.0.1:1/", "http://localhost/", "http://LOCALHOST:8/", "http://[::1]/"] {
            XCTAssertTrue(HTTPURL(text)!.isLoopback, text)
        }
        for text in [
            "http://127.0.0.2/", "http://localhost.evil.com/", "http://0.0.0.0/", "http://[::]/", "http://localhost./",
        ] {
            XCTAssertFalse(HTTPURL(text)!.isLoopback, text)
        }
    }

    func testRefusedForms() {
        for text in [
            "", "ftp://h/", "//h/", "https:/h/", "https://", "https:///path", "https://user@h/", "https://u:p@h/",
            "https://h:/", "https://h:0/", "https://h:65536/", "https://h:+80/", "https://h:-1/", "https://h: 80/",
            "https://h:8a/", "https://h:123456/", "https://exa mple.com/", "https://h\r\nX: y/", "https://h%2e.com/",
            "https://h/a b", "https://h/\r\nX: y", "https://h/caf\u{E9}", "https://h\\@evil.com/", "https://h/\u{7F}",
        ] {
            XCTAssertNil(HTTPURL(text), text.debugDescription)
        }
    }

    func testAppending() throws {
        let base = try XCTUnwrap(HTTPURL("https://api.kimi.com/coding/v1/"))
        XCTAssertEqual(base.appending("/usages").description, "https://api.kimi.com/coding/v1/usages")
        XCTAssertEqual(base.appending("models").description, "https://api.kimi.com/coding/v1/models")
        XCTAssertEqual(HTTPURL("http://127.0.0.1:9")!.appending("x").description, "http://127.0.0.1:9/x")
    }
}
