import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// `import` through the binary, from files written into the test's own home folder. No test
/// reaches the network: imported tokens are unexpired, and `token` must print them as they are.
final class ImportEndToEndTests: EndToEndTestCase {
    /// Token values planted in the source files; none may appear in any output but `token`'s.
    let access = "IMPORTED-access-token-SECRET-0001"
    let refresh = "IMPORTED-refresh-token-SECRET-0002"
    let apiKey = "sk-kimi-IMPORTEDapikeySECRET0003"
    let aesKey = (0..<32).map { UInt8(0x40 + $0) }

    var userHome: String { folder.url("user-home") }
    var now: Double { Date().timeIntervalSince1970 }

    private func write(_ path: String, _ text: String) {
        write(path, Array(text.utf8))
    }

    private func write(_ path: String, _ bytes: [UInt8]) {
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        chmod(path, 0o600)
    }

    /// kimi-cli's file: float seconds, as the Python CLI writes it.
    private func kimiCLIFile(expiresIn: Double = 3600) -> String {
        #"{"access_token":"\#(access)","refresh_token":"\#(refresh)","expires_at":\#(now + expiresIn),"scope":"kimi-code","token_type":"Bearer","expires_in":\#(expiresIn)}"#
    }

    /// kimi-code's file: integer seconds, pretty-printed, no expires_in.
    private func kimiCodeFile() -> String {
        """
        {
          "access_token": "\(access)",
          "refresh_token": "\(refresh)",
          "expires_at": \(Int(now) + 3600),
          "scope": "kimi-code",
          "token_type": "Bearer"
        }

        """
    }

    /// opencode-kimi-auth's sealed file: base64(iv16 ‖ tag16 ‖ ciphertext), milliseconds inside.
    private func sealedOAuthFile(key: [UInt8]) throws -> String {
        let plaintext =
            #"{"access_token":"\#(access)","refresh_token":"\#(refresh)","token_type":"Bearer","expires_in":3600,"scope":"kimi-code","expires_at":\#(Int64(now * 1000) + 3_600_000),"device_id":"0b6c1f7e-8d7a-4c39-9d0e-3a4b5c6d7e8f"}"#
        let symmetric = try XCTUnwrap(key.withUnsafeBytes { SymmetricKey(SecureBytes(copying: $0)) })
        let iv = (0..<16).map { UInt8(0x90 + $0) }
        let (ciphertext, tag) = try Array(plaintext.utf8).withUnsafeBytes {
            try AESGCM.seal($0, key: symmetric, nonce: iv, associatedData: [])
        }
        return "{\n  \"encrypted\": \"\(Data(iv + tag + ciphertext).base64EncodedString())\"\n}"
    }

    private func profile(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        let list = cli.run(["list", "--json"])
        XCTAssertEqual(list.status, 0, list.output, file: file, line: line)
        assertNoPlanted(list.output, file: file, line: line)
        let profiles = jsonObject(list.stdout)["profiles"] as? [[String: Any]] ?? []
        guard let found = profiles.first(where: { $0["name"] as? String == name }) else {
            XCTFail("no profile \(name) in \(list.stdout)", file: file, line: line)
            return [:]
        }
        return found
    }

    private func assertNoPlanted(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for secret in [access, refresh, apiKey] {
            XCTAssertFalse(text.contains(secret), "a planted secret leaked into: \(text)", file: file, line: line)
        }
        assertNoSecrets(text, file: file, line: line)
    }

    /// Imports and checks success, the single-use warning, and that nothing secret was printed.
    @discardableResult
    private func importOK(
        _ arguments: [String], environment: [String: String?] = [:], file: StaticString = #filePath,
        line: UInt = #line
    ) -> BinaryRunner.Result {
        let result = cli.run(["import"] + arguments, environment: environment)
        XCTAssertEqual(result.status, 0, result.output, file: file, line: line)
        XCTAssertEqual(result.stdout, "", file: file, line: line)
        assertNoPlanted(result.output, file: file, line: line)
        return result
    }

    private func assertOAuthProfile(
        _ name: String, clientID: String = Region.builtInClientID, oauthHost: String = Region.cn.oauthHost,
        baseURL: String = Region.cn.baseURL, file: StaticString = #filePath, line: UInt = #line
    ) {
        let found = profile(name, file: file, line: line)
        XCTAssertEqual(found["kind"] as? String, "oauth", file: file, line: line)
        XCTAssertEqual(found["state"] as? String, "valid", "\(found)", file: file, line: line)
        XCTAssertEqual(found["client_id"] as? String, clientID, file: file, line: line)
        XCTAssertEqual(found["oauth_host"] as? String, oauthHost, file: file, line: line)
        XCTAssertEqual(found["base_url"] as? String, baseURL, file: file, line: line)
        // The unexpired access token is printed as stored: no refresh, no network.
        let token = cli.run(["token", "-p", name])
        XCTAssertEqual(token.status, 0, token.output, file: file, line: line)
        XCTAssertEqual(token.stdout, access + "\n", file: file, line: line)
    }

    private func assertSingleUseWarning(_ result: BinaryRunner.Result, tool: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(result.stderr.contains("refresh tokens are single-use"), result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains("\(tool)'s copy of this login stops working"), result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains("log it in again"), result.stderr, file: file, line: line)
    }

    // MARK: Each source

    func testImportFromKimiCLI() {
        let source = userHome + "/.kimi/credentials/kimi-code.json"
        write(source, kimiCLIFile())
        let original = fileBytes(source)
        let result = importOK(["work", "--from", "kimi-cli"])
        XCTAssertTrue(result.stderr.contains("Imported profile 'work' (OAuth) from \(userHome)/.kimi/credentials/kimi-code.json"), result.stderr)
        assertSingleUseWarning(result, tool: "kimi-cli")
        XCTAssertTrue(result.stderr.contains("'work' is now the active profile"), result.stderr)
        assertOAuthProfile("work")
        XCTAssertEqual(profile("work")["active"] as? Bool, true)
        // The source file is only read.
        XCTAssertEqual(fileBytes(source), original)
    }

    func testImportFromKimiCLIHonoursKimiShareDir() {
        let share = folder.url("share")
        write(share + "/credentials/kimi-code.json", kimiCLIFile())
        importOK(["work", "--from", "kimi-cli"], environment: ["KIMI_SHARE_DIR": share])
        assertOAuthProfile("work")
    }

    func testImportFromKimiCode() {
        let codeHome = folder.url("code-home")
        write(codeHome + "/credentials/kimi-code.json", kimiCodeFile())
        let result = importOK(["work", "--from", "kimi-code"], environment: ["KIMI_CODE_HOME": codeHome])
        assertSingleUseWarning(result, tool: "kimi-code")
        assertOAuthProfile("work")
    }

    func testImportFromEncryptedOpencodeKimiAuth() throws {
        let folderPath = userHome + "/.opencode-kimi-auth"
        write(folderPath + "/.key", aesKey)
        let sealed = try sealedOAuthFile(key: aesKey)
        write(folderPath + "/oauth.json", sealed)
        let result = importOK(["work", "--from", "opencode-kimi-auth"])
        assertSingleUseWarning(result, tool: "opencode-kimi-auth")
        assertOAuthProfile("work")
        XCTAssertEqual(fileBytes(folderPath + "/oauth.json"), Array(sealed.utf8), "the source was changed")
    }

    func testImportFromPlaintextOpencodeKimiAuth() {
        let plaintext =
            #"{"access_token":"\#(access)","refresh_token":"\#(refresh)","token_type":"Bearer","expires_in":3600,"expires_at":\#(Int64(now * 1000) + 3_600_000),"device_id":"x"}"#
        write(userHome + "/.opencode-kimi-auth/oauth.json", plaintext)
        importOK(["work", "--from", "opencode-kimi-auth"])
        assertOAuthProfile("work")
    }

    func testImportAPIKeyFromOpencode() {
        let data = folder.url("xdg-data")
        write(
            data + "/opencode/auth.json",
            #"{"anthropic":{"type":"api","key":"sk-ant-other"},"kimi-for-coding":{"type":"api","key":"\#(apiKey)"}}"#)
        let result = importOK(["work", "--from", "opencode"], environment: ["XDG_DATA_HOME": data])
        XCTAssertTrue(result.stderr.contains("Imported profile 'work' (API key)"), result.stderr)
        XCTAssertFalse(result.stderr.contains("single-use"), result.stderr)
        let found = profile("work")
        XCTAssertEqual(found["kind"] as? String, "api-key")
        XCTAssertEqual(found["base_url"] as? String, Region.cn.baseURL)
        XCTAssertTrue(found["client_id"] is NSNull, "\(found)")
        XCTAssertEqual(cli.run(["token", "-p", "work"]).stdout, apiKey + "\n")
    }

    func testImportOAuthFromOpencodeWithMilliseconds() {
        write(
            userHome + "/.local/share/opencode/auth.json",
            #"{"kimi-for-coding":{"type":"oauth","refresh":"\#(refresh)","access":"\#(access)","expires":\#(Int64(now * 1000) + 3_600_000)}}"#)
        let result = importOK(["work", "--from", "opencode"])
        assertSingleUseWarning(result, tool: "opencode")
        assertOAuthProfile("work")
        let expires = profile("work")["access_expires_at"]
        XCTAssertNotNil(expires, "access_expires_at missing")
    }

    // MARK: --path and endpoint options

    func testPathNamesAFolderOrAFile() {
        let elsewhere = folder.url("elsewhere")
        write(elsewhere + "/kimi-code.json", kimiCodeFile())
        importOK(["by-folder", "--from", "kimi-code", "--path", elsewhere])
        assertOAuthProfile("by-folder")
        write(elsewhere + "/renamed.json", kimiCodeFile())
        importOK(["by-file", "--from", "kimi-code", "--path", elsewhere + "/renamed.json"])
        assertOAuthProfile("by-file")
        // The tool's own home folder works too (credentials/ is looked in).
        write(folder.url("kimi-share") + "/credentials/kimi-code.json", kimiCLIFile())
        importOK(["by-share", "--from", "kimi-cli", "--path", folder.url("kimi-share")])
        assertOAuthProfile("by-share")
        // A relative path is taken from the working folder.
        let relative = cli.run(["import", "relative", "--from", "kimi-code", "--path", "elsewhere"], cwd: folder.path)
        XCTAssertEqual(relative.status, 0, relative.output)
    }

    func testEndpointOptionsOverrideTheDefaults() {
        write(userHome + "/.kimi-code/credentials/kimi-code.json", kimiCodeFile())
        importOK([
            "work", "--from", "kimi-code", "--client-id", "my-client_1.0", "--oauth-host", "http://127.0.0.1:9/",
            "--base-url", "https://example.test/coding/v1", "--use",
        ])
        assertOAuthProfile(
            "work", clientID: "my-client_1.0", oauthHost: "http://127.0.0.1:9",
            baseURL: "https://example.test/coding/v1")
        write(userHome + "/.kimi/credentials/kimi-code.json", kimiCLIFile())
        importOK(["global", "--from", "kimi-cli", "--region", "global"])
        assertOAuthProfile("global", oauthHost: Region.global.oauthHost, baseURL: Region.global.baseURL)
        // KIMI_CLIENT_ID is for new logins: imported tokens keep Kimi's public client.
        write(userHome + "/.kimi/credentials/kimi-code.json", kimiCLIFile())
        importOK(["env-client", "--from", "kimi-cli"], environment: ["KIMI_CLIENT_ID": "other-client"])
        XCTAssertEqual(profile("env-client")["client_id"] as? String, Region.builtInClientID)
    }

    func testUseMakesTheImportActive() {
        addKeyProfile("existing", key: workKey)
        write(userHome + "/.kimi/credentials/kimi-code.json", kimiCLIFile())
        let quiet = importOK(["second", "--from", "kimi-cli"])
        XCTAssertFalse(quiet.stderr.contains("now the active profile"), quiet.stderr)
        XCTAssertEqual(profile("existing")["active"] as? Bool, true)
        importOK(["third", "--from", "kimi-cli", "--use"])
        XCTAssertEqual(profile("third")["active"] as? Bool, true)
    }

    // MARK: Failures change nothing

    /// Runs an import that must fail with exit 1 and a message naming `path`, and checks that
    /// neither the vault nor its absence changed.
    private func assertFailsCleanly(
        _ arguments: [String], naming path: String, mentioning phrase: String, environment: [String: String?] = [:],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let hadVault = FileManager.default.fileExists(atPath: vaultPath)
        let before = fileBytes(vaultPath)
        let names = hadVault ? (cli.run(["list", "--json"]).stdout) : ""
        let result = cli.run(["import"] + arguments, environment: environment)
        XCTAssertEqual(result.status, 1, result.output, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(path), "message does not name \(path): \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains(phrase), result.stderr, file: file, line: line)
        XCTAssertEqual(result.stdout, "", file: file, line: line)
        assertNoPlanted(result.output, file: file, line: line)
        if hadVault {
            XCTAssertEqual(fileBytes(vaultPath), before, "the vault changed", file: file, line: line)
            XCTAssertEqual(cli.run(["list", "--json"]).stdout, names, file: file, line: line)
        } else {
            XCTAssertFalse(FileManager.default.fileExists(atPath: cli.home), "a home was created", file: file, line: line)
        }
    }

    func testMissingSourceCreatesNoVault() {
        assertFailsCleanly(
            ["work", "--from", "kimi-cli"], naming: userHome + "/.kimi/credentials/kimi-code.json",
            mentioning: "no kimi-cli login found")
        assertFailsCleanly(
            ["work", "--from", "opencode", "--path", folder.url("nowhere.json")], naming: folder.url("nowhere.json"),
            mentioning: "does not exist")
    }

    func testDamagedSourcesChangeNothing() throws {
        addKeyProfile("existing", key: workKey)
        let path = userHome + "/.kimi-code/credentials/kimi-code.json"
        write(path, #"{"access_token":"\#(access)","refresh_token":"#)
        assertFailsCleanly(["work", "--from", "kimi-code"], naming: path, mentioning: "not valid JSON")
        write(path, #"{"access_token":"\#(access)","expires_at":1}"#)
        assertFailsCleanly(["work", "--from", "kimi-code"], naming: path, mentioning: "no refresh_token")
        write(path, #"{"access_token":"","refresh_token":"","expires_at":0,"scope":"","token_type":"Bearer"}"#)
        assertFailsCleanly(["work", "--from", "kimi-code"], naming: path, mentioning: "kimi-code is logged out")
        let auth = userHome + "/.local/share/opencode/auth.json"
        write(auth, #"{"anthropic":{"type":"api","key":"sk-ant"}}"#)
        assertFailsCleanly(["work", "--from", "opencode"], naming: auth, mentioning: "no 'kimi-for-coding' entry")
    }

    func testWrongKeyAndFlippedByteAreUndecryptable() throws {
        let dir = userHome + "/.opencode-kimi-auth"
        let sealed = try sealedOAuthFile(key: aesKey)
        write(dir + "/oauth.json", sealed)
        var wrong = aesKey
        wrong[31] ^= 0x01
        write(dir + "/.key", wrong)
        // No vault yet: none may appear.
        assertFailsCleanly(["work", "--from", "opencode-kimi-auth"], naming: dir + "/oauth.json", mentioning: "cannot decrypt")
        addKeyProfile("existing", key: workKey)
        assertFailsCleanly(["work", "--from", "opencode-kimi-auth"], naming: dir + "/.key", mentioning: "cannot decrypt")
        // The right key, but one ciphertext byte flipped.
        write(dir + "/.key", aesKey)
        let object = jsonObject(sealed)
        var blob = try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(object["encrypted"] as? String)))
        blob[blob.count - 3] ^= 0x20
        write(dir + "/oauth.json", "{\"encrypted\":\"\(blob.base64EncodedString())\"}")
        assertFailsCleanly(["work", "--from", "opencode-kimi-auth"], naming: dir + "/oauth.json", mentioning: "altered")
        // A key file of the wrong size, and no key file at all.
        write(dir + "/.key", Array(aesKey.prefix(16)))
        assertFailsCleanly(["work", "--from", "opencode-kimi-auth"], naming: dir + "/.key", mentioning: "not 32")
        try FileManager.default.removeItem(atPath: dir + "/.key")
        assertFailsCleanly(["work", "--from", "opencode-kimi-auth"], naming: dir + "/.key", mentioning: "does not exist")
    }

    func testTakenNameFailsBeforeReadingTheSource() {
        addKeyProfile("work", key: workKey)
        let before = fileBytes(vaultPath)
        // The source does not even exist: the name is checked first.
        let result = cli.run(["import", "work", "--from", "kimi-cli"])
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.stderr.contains("already exists"), result.stderr)
        XCTAssertFalse(result.stderr.contains("kimi-code.json"), result.stderr)
        XCTAssertEqual(fileBytes(vaultPath), before)
        // And with a valid source, still refused.
        write(userHome + "/.kimi/credentials/kimi-code.json", kimiCLIFile())
        let again = cli.run(["import", "work", "--from", "kimi-cli"])
        XCTAssertEqual(again.status, 1, again.output)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
        XCTAssertEqual(cli.run(["token", "-p", "work"]).stdout, workKey + "\n")
    }

    func testUsageErrors() {
        let missing = cli.run(["import", "work"])
        XCTAssertEqual(missing.status, 2, missing.output)
        XCTAssertTrue(missing.stderr.contains("missing --from"), missing.stderr)
        let typo = cli.run(["import", "work", "--from", "kimi-cod"])
        XCTAssertEqual(typo.status, 2, typo.output)
        XCTAssertTrue(typo.stderr.contains("Did you mean 'kimi-code'?"), typo.stderr)
        XCTAssertEqual(cli.run(["import", "-bad", "--from", "kimi-cli"]).status, 2)
        XCTAssertEqual(cli.run(["import", "work", "--from", "kimi-cli", "--base-url", "http://example.com"]).status, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.home))
        let help = cli.run(["import", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("single-use"), help.stdout)
        XCTAssertTrue(help.stdout.contains("exits 1"), help.stdout)
    }
}
