import XCTest

@testable import KimiProfilesCore

final class HTTPProxySettingsTests: XCTestCase {
    private func proxy(_ environment: [String: String], for url: String) throws -> HTTPProxySettings.Proxy? {
        try HTTPProxySettings(environment: environment).proxy(for: HTTPURL(url)!)
    }

    func testProxyURLForms() throws {
        for (value, host, port) in [
            ("http://proxy.corp:3128", "proxy.corp", 3128), ("http://proxy.corp:3128/", "proxy.corp", 3128),
            ("proxy.corp:8080", "proxy.corp", 8080), ("HTTP://Proxy.Corp", "proxy.corp", 1080),
            ("http://[fd00::1]:3128", "fd00::1", 3128), ("  http://10.0.0.1:3128  ", "10.0.0.1", 3128),
        ] {
            let chosen = try XCTUnwrap(try proxy(["HTTPS_PROXY": value], for: "https://api.kimi.com/"), value)
            XCTAssertEqual(chosen.host, host, value)
            XCTAssertEqual(chosen.port, port, value)
            XCTAssertNil(chosen.authorization)
        }
    }

    func testLowercaseVariableWins() throws {
        let chosen = try proxy(["https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2"], for: "https://a.b/")
        XCTAssertEqual(chosen?.host, "lower")
        XCTAssertEqual(
            try proxy(["https_proxy": "", "HTTPS_PROXY": "http://upper:2"], for: "https://a.b/")?.host, "upper")
    }

    func testNoProxyVariableMeansDirect() throws {
        XCTAssertNil(try proxy([:], for: "https://api.kimi.com/"))
        XCTAssertNil(try proxy(["HTTP_PROXY": "http://p:1", "ALL_PROXY": "http://p:1"], for: "https://api.kimi.com/"))
    }

    func testInvalidProxyIsAnErrorThatDoesNotRepeatTheValue() {
        for value in [
            "https://proxy:443", "socks5://proxy:1080", "http://proxy:port", "http://proxy:1/path", "http://pro xy:1",
        ] {
            XCTAssertThrowsError(try proxy(["HTTPS_PROXY": value], for: "https://api.kimi.com/"), value) {
                XCTAssertEqual($0 as? HTTPError, .invalidProxy(variable: "HTTPS_PROXY"), value)
            }
        }
        XCTAssertThrowsError(try proxy(["https_proxy": "http://user:p%zz@proxy:1"], for: "https://api.kimi.com/")) {
            XCTAssertEqual("\($0)", "the proxy in https_proxy is not an http://host:port URL")
        }
    }

    func testInvalidProxyDoesNotMatterToRequestsThatSkipIt() throws {
        let environment = ["HTTPS_PROXY": "socks5://proxy:1080", "NO_PROXY": "kimi.test"]
        XCTAssertNil(try proxy(environment, for: "http://127.0.0.1:8080/"))
        XCTAssertNil(try proxy(environment, for: "https://localhost/"))
        XCTAssertNil(try proxy(environment, for: "https://api.kimi.test/"))
    }

    func testCredentialsBecomeBasicAuthorization() throws {
        let chosen = try XCTUnwrap(
            try proxy(["HTTPS_PROXY": "http://al%40ice:pa%3Ass@proxy:3128"], for: "https://a.b/"))
        XCTAssertEqual(chosen.host, "proxy")
        // base64("al@ice:pa:ss")
        XCTAssertEqual(text(try XCTUnwrap(chosen.authorization)), "Basic YWxAaWNlOnBhOnNz")
        XCTAssertEqual("\(chosen.authorization!)", "<redacted>")
    }

    func testNoProxyMatching() throws {
        let environment = [
            "HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": " example.com, .kimi.test,10.1.2.3:443,[fd00::2] ",
        ]
        let settings = HTTPProxySettings(environment: environment)
        for host in [
            "example.com", "api.example.com", "EXAMPLE.COM", "example.com.", "kimi.test", "api.kimi.test", "10.1.2.3",
            "fd00::2",
        ] {
            XCTAssertTrue(settings.isExempt(host), host)
        }
        for host in ["notexample.com", "example.com.evil", "kimi.testing", "10.1.2.30", "moonshot.cn"] {
            XCTAssertFalse(settings.isExempt(host), host)
        }
    }

    func testNoProxyStarAndLowercaseVariable() throws {
        XCTAssertNil(try proxy(["HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"], for: "https://api.kimi.com/"))
        XCTAssertNil(try proxy(["HTTPS_PROXY": "http://p:1", "no_proxy": "kimi.com"], for: "https://api.kimi.com/"))
        XCTAssertNotNil(try proxy(["HTTPS_PROXY": "http://p:1", "no_proxy": "kimi.ai"], for: "https://api.kimi.com/"))
    }

    func testLoopbackAndPlainHTTPNeverUseTheProxy() throws {
        let environment = ["HTTPS_PROXY": "http://proxy:3128"]
        for url in ["https://127.0.0.1:8443/", "https://localhost/", "https://[::1]:9/", "http://127.0.0.1:8080/"] {
            XCTAssertNil(try proxy(environment, for: url), url)
        }
    }
}
