import Foundation
import XCTest

@testable import KimiProfilesCore

/// SPEC §6: the variables exec sets and env prints.
final class LaunchEnvironmentTests: XCTestCase {
    private let baseURL = "https://api.kimi.com/coding/v1"

    private func build(
        _ profile: Profile, credential: String = "sk-kimi-secret", anthropic: Bool = false,
        caller: [String: String] = [:]
    ) throws -> LaunchEnvironment {
        try LaunchEnvironment(
            profile: profile, credential: Secret(credential), baseURL: baseURL, anthropic: anthropic,
            callerEnvironment: caller)
    }

    private func values(_ environment: LaunchEnvironment) -> [String: String] {
        var result: [String: String] = [:]
        for variable in environment.variables {
            XCTAssertNil(result[variable.name], "\(variable.name) set twice")
            result[variable.name] = text(variable.value)
        }
        return result
    }

    /// OPENCODE_CONFIG_CONTENT parsed by Foundation, independently of the code under test.
    private func config(_ environment: LaunchEnvironment, file: StaticString = #filePath, line: UInt = #line)
        throws -> [String: Any]
    {
        let variable = try XCTUnwrap(
            environment.variables.first { $0.name == "OPENCODE_CONFIG_CONTENT" }, file: file, line: line)
        let parsed = try JSONSerialization.jsonObject(with: Data(array(variable.value)))
        return try XCTUnwrap(parsed as? [String: Any], file: file, line: line)
    }

    private func kimiProvider(_ config: [String: Any], file: StaticString = #filePath, line: UInt = #line)
        throws -> [String: Any]
    {
        let providers = try XCTUnwrap(config["provider"] as? [String: Any], file: file, line: line)
        return try XCTUnwrap(providers["kimi-for-coding"] as? [String: Any], file: file, line: line)
    }

    // MARK: Variables

    func testAPIKeyProfileVariables() throws {
        let values = values(try build(makeProfile("work")))
        XCTAssertEqual(values["KIMI_PROFILE"], "work")
        XCTAssertEqual(values["KIMI_API_KEY"], "sk-kimi-secret")
        XCTAssertEqual(values["KIMI_BASE_URL"], baseURL)
        XCTAssertNotNil(values["OPENCODE_CONFIG_CONTENT"])
        XCTAssertEqual(
            Set(values.keys), ["KIMI_PROFILE", "KIMI_API_KEY", "KIMI_BASE_URL", "OPENCODE_CONFIG_CONTENT"])
    }

    func testClientIDOnlyForOAuthProfiles() throws {
        let oauth = values(try build(makeProfile("o", kind: .oauth, clientID: "client-123")))
        XCTAssertEqual(oauth["KIMI_CLIENT_ID"], "client-123")
        let apiKey = values(try build(makeProfile("k", kind: .apiKey, clientID: "stray-client")))
        XCTAssertNil(apiKey["KIMI_CLIENT_ID"])
    }

    func testAnthropicVariablesOnlyWhenAsked() throws {
        let without = values(try build(makeProfile("work")))
        XCTAssertNil(without["ANTHROPIC_BASE_URL"])
        XCTAssertNil(without["ANTHROPIC_API_KEY"])
        let with = values(try build(makeProfile("work"), anthropic: true))
        XCTAssertEqual(with["ANTHROPIC_BASE_URL"], "https://api.kimi.com/coding")
        XCTAssertEqual(with["ANTHROPIC_API_KEY"], "sk-kimi-secret")
        XCTAssertEqual(with["KIMI_BASE_URL"], baseURL)
    }

    func testAnthropicBaseURLDropsV1() {
        XCTAssertEqual(
            LaunchEnvironment.anthropicBaseURL("https://api.kimi.com/coding/v1"),
            "https://api.kimi.com/coding")
        XCTAssertEqual(
            LaunchEnvironment.anthropicBaseURL("https://api.kimi.ai/coding/v1/"), "https://api.kimi.ai/coding"
        )
        XCTAssertEqual(
            LaunchEnvironment.anthropicBaseURL("http://127.0.0.1:41234/coding/v1"),
            "http://127.0.0.1:41234/coding")
        XCTAssertEqual(
            LaunchEnvironment.anthropicBaseURL("https://api.kimi.com/coding"), "https://api.kimi.com/coding")
        XCTAssertEqual(
            LaunchEnvironment.anthropicBaseURL("https://example.com/v10"), "https://example.com/v10")
    }

    // MARK: OPENCODE_CONFIG_CONTENT

    func testConfigDefinesTheProvider() throws {
        let config = try config(try build(makeProfile("work")))
        let provider = try kimiProvider(config)
        XCTAssertEqual(provider["npm"] as? String, "@ai-sdk/anthropic")
        let options = try XCTUnwrap(provider["options"] as? [String: Any])
        XCTAssertEqual(options["baseURL"] as? String, baseURL)
        XCTAssertEqual(options["apiKey"] as? String, "sk-kimi-secret")
        XCTAssertEqual(Set(config.keys), ["provider"])
    }

    func testConfigMergesIntoTheCallersJSON() throws {
        let caller = """
            {
              "$schema": "https://opencode.ai/config.json",
              "theme": "dark",
              "autoupdate": false,
              "provider": {
                "openai": {"options": {"apiKey": "openai-key"}},
                "kimi-for-coding": {
                  "name": "Kimi",
                  "models": {"kimi-k2": {"limit": {"context": 262144}}},
                  "options": {"timeout": 600000, "apiKey": "stale", "baseURL": "https://stale.example/v1"}
                }
              }
            }
            """
        let config = try config(try build(makeProfile("work"), caller: ["OPENCODE_CONFIG_CONTENT": caller]))
        XCTAssertEqual(config["$schema"] as? String, "https://opencode.ai/config.json")
        XCTAssertEqual(config["theme"] as? String, "dark")
        XCTAssertEqual(config["autoupdate"] as? Bool, false)
        let providers = try XCTUnwrap(config["provider"] as? [String: Any])
        let openai = try XCTUnwrap(providers["openai"] as? [String: Any])
        XCTAssertEqual((openai["options"] as? [String: Any])?["apiKey"] as? String, "openai-key")

        let kimi = try kimiProvider(config)
        XCTAssertEqual(kimi["name"] as? String, "Kimi")
        XCTAssertEqual(kimi["npm"] as? String, "@ai-sdk/anthropic")
        let models = try XCTUnwrap(kimi["models"] as? [String: Any])
        let limit = (models["kimi-k2"] as? [String: Any])?["limit"] as? [String: Any]
        XCTAssertEqual(limit?["context"] as? Int, 262144)
        let options = try XCTUnwrap(kimi["options"] as? [String: Any])
        XCTAssertEqual(options["timeout"] as? Int, 600000)
        XCTAssertEqual(options["baseURL"] as? String, baseURL)
        XCTAssertEqual(options["apiKey"] as? String, "sk-kimi-secret")
    }

    func testSecretIsEscapedInsideTheJSON() throws {
        for secret in [
            "sk-kimi-\"quoted\"", "back\\slash\\", "line\nbreak\ttab\r\u{8}\u{c}", "ctl\u{1}\u{1f}",
            "ünï\"\\",
        ] {
            let environment = try build(makeProfile("work"), credential: secret)
            let options = try XCTUnwrap(
                try kimiProvider(try config(environment))["options"] as? [String: Any])
            XCTAssertEqual(options["apiKey"] as? String, secret, secret.debugDescription)
            XCTAssertEqual(values(environment)["KIMI_API_KEY"], secret)
        }
    }

    func testSecretDoesNotLeakIntoTheRestOfTheConfig() throws {
        let environment = try build(makeProfile("work"), credential: "sk-kimi-UNIQUE")
        let text = text(
            try XCTUnwrap(environment.variables.first { $0.name == "OPENCODE_CONFIG_CONTENT" }?.value))
        XCTAssertEqual(text.components(separatedBy: "sk-kimi-UNIQUE").count, 2, "exactly one occurrence")
        XCTAssertFalse(text.contains("kimi-profiles-credential-"), "the placeholder is replaced")
    }

    func testBlankCallerValueIsTreatedAsUnset() throws {
        for blank in ["", "  \n\t"] {
            let config = try config(try build(makeProfile("w"), caller: ["OPENCODE_CONFIG_CONTENT": blank]))
            XCTAssertEqual(Set(config.keys), ["provider"])
        }
    }

    func testNonObjectProviderIsReplaced() throws {
        let config = try config(
            try build(makeProfile("w"), caller: ["OPENCODE_CONFIG_CONTENT": #"{"provider": 5, "x": [1, 2]}"#])
        )
        XCTAssertEqual(config["x"] as? [Int], [1, 2])
        XCTAssertEqual(try kimiProvider(config)["npm"] as? String, "@ai-sdk/anthropic")
    }

    func testInvalidCallerConfigIsRefused() {
        for bad in ["[1]", "{bad", "\"text\"", "42", "null", "{\"a\": 1} trailing"] {
            XCTAssertThrowsError(
                try build(makeProfile("w"), caller: ["OPENCODE_CONFIG_CONTENT": bad]), bad
            ) { error in
                XCTAssertEqual(error as? ExecError, .invalidOpenCodeConfig, bad)
                XCTAssertEqual((error as? ExecError)?.exitStatus, 2)
            }
        }
    }
}

final class JSONEscapingTests: XCTestCase {
    private func escape(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { input in
            let count = JSONEscaping.escapedCount(input)
            var out = [UInt8](repeating: 0xAA, count: count)
            var offset = 0
            out.withUnsafeMutableBytes { JSONEscaping.escape(input, into: $0, at: &offset) }
            XCTAssertEqual(offset, count, "escapedCount matches what escape writes")
            return String(decoding: out, as: UTF8.self)
        }
    }

    func testPlainBytesPassThrough() {
        XCTAssertEqual(escape(Array("sk-kimi-ABC_123/+=".utf8)), "sk-kimi-ABC_123/+=")
        XCTAssertEqual(escape(Array("ü€😀".utf8)), "ü€😀")
        XCTAssertEqual(escape([0x7f]), "\u{7f}")
        XCTAssertEqual(escape([]), "")
    }

    func testQuoteAndBackslash() {
        XCTAssertEqual(escape(Array("a\"b\\c".utf8)), #"a\"b\\c"#)
    }

    func testShortEscapes() {
        XCTAssertEqual(escape([0x0a, 0x0d, 0x09, 0x08, 0x0c]), #"\n\r\t\b\f"#)
    }

    func testOtherControlCharactersUseUnicodeEscapes() {
        XCTAssertEqual(escape([0x00, 0x01, 0x1b, 0x1f]), #"\u0000\u0001\u001b\u001f"#)
    }

    func testEscapedTextParsesBack() throws {
        let original = (0..<128).map { UInt8($0) } + Array("\"end\\".utf8)
        let json = "[\"" + escape(original) + "\"]"
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String]
        XCTAssertEqual(parsed?.first.map { Array($0.utf8) }, original)
    }
}
