import Foundation
import TestSupport
import XCTest

/// exec, env and token for API-key profiles (SPEC §6).
final class ExecEndToEndTests: EndToEndTestCase {
    override func setUp() {
        super.setUp()
        addBothProfiles()
    }

    func testExecSetsEverySpecVariable() {
        let result = cli.run(["exec", "-p", "personal", "--", "/usr/bin/env"])
        XCTAssertEqual(result.status, 0, result.output)
        let env = environmentLines(result.stdout)
        XCTAssertEqual(env["KIMI_PROFILE"], "personal")
        XCTAssertEqual(env["KIMI_API_KEY"], personalKey)
        XCTAssertEqual(env["KIMI_BASE_URL"], "https://api.kimi.com/coding/v1")
        XCTAssertNil(env["KIMI_CLIENT_ID"], "API-key profiles have no client id")
        XCTAssertNil(env["ANTHROPIC_API_KEY"])
        XCTAssertEqual(env["PATH"], cli.environment["PATH"], "the caller's variables pass through")
        let config = jsonObject(env["OPENCODE_CONFIG_CONTENT"] ?? "")
        let provider = (config["provider"] as? [String: Any])?["kimi-for-coding"] as? [String: Any]
        XCTAssertEqual(provider?["npm"] as? String, "@ai-sdk/anthropic")
        let options = provider?["options"] as? [String: Any]
        XCTAssertEqual(options?["baseURL"] as? String, "https://api.kimi.com/coding/v1")
        XCTAssertEqual(options?["apiKey"] as? String, personalKey)
    }

    func testAnthropicVariablesDropV1() {
        let result = cli.run(["exec", "--anthropic", "--", "env"])
        XCTAssertEqual(result.status, 0, result.output)
        let env = environmentLines(result.stdout)
        XCTAssertEqual(env["ANTHROPIC_BASE_URL"], "https://api.kimi.com/coding")
        XCTAssertEqual(env["ANTHROPIC_API_KEY"], workKey)
    }

    func testOpenCodeConfigIsMergedIntoTheCallersJSON() {
        let callers = """
            {"theme":"opencode","provider":{"other":{"npm":"x"},"kimi-for-coding":{"models":{"k2":{}},"options":{"timeout":5,"apiKey":"old"}}}}
            """
        let result = cli.run(["exec", "--", "/usr/bin/env"], environment: ["OPENCODE_CONFIG_CONTENT": callers])
        XCTAssertEqual(result.status, 0, result.output)
        let config = jsonObject(environmentLines(result.stdout)["OPENCODE_CONFIG_CONTENT"] ?? "")
        XCTAssertEqual(config["theme"] as? String, "opencode")
        let providers = config["provider"] as? [String: Any]
        XCTAssertNotNil(providers?["other"])
        let kimi = providers?["kimi-for-coding"] as? [String: Any]
        XCTAssertNotNil(kimi?["models"])
        let options = kimi?["options"] as? [String: Any]
        XCTAssertEqual(options?["timeout"] as? Int, 5)
        XCTAssertEqual(options?["apiKey"] as? String, workKey)

        let broken = cli.run(["exec", "--", "/usr/bin/env"], environment: ["OPENCODE_CONFIG_CONTENT": "{not json"])
        XCTAssertEqual(broken.status, 2, broken.output)
        XCTAssertTrue(broken.stderr.contains("OPENCODE_CONFIG_CONTENT"), broken.stderr)
        XCTAssertFalse(broken.stdout.contains("KIMI_API_KEY"), "the command must not run")
    }

    func testExitStatusIsTheCommandsOwn() {
        XCTAssertEqual(cli.run(["exec", "--", "sh", "-c", "exit 7"]).status, 7)
        XCTAssertEqual(cli.run(["exec", "sh", "-c", "exit 0"]).status, 0)
    }

    func testCommandOptionsAreNotParsedAsOurs() {
        let result = cli.run(["exec", "sh", "-c", "echo \"$1\"", "sh", "--json"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.stdout, "--json\n")
    }

    /// A shell reports 143 for a command killed by SIGTERM; with execve the wrapper is that
    /// command, so the signal also proves the mask was left clean.
    func testCommandKilledBySigtermGives143() {
        let script = "\"$0\" exec -- sh -c 'kill -TERM $$; sleep 5'; echo \"status=$?\""
        let result = BinaryRunner.launch(
            "/bin/sh", ["-c", script, BinaryRunner.executable], environment: cli.environment, cwd: folder.path)
        XCTAssertEqual(result.stdout, "status=143\n", result.output)
    }

    func testInterruptReachesTheCommand() {
        let script = "\"$0\" exec -- sh -c 'kill -INT $$; sleep 5'; echo \"status=$?\""
        let result = BinaryRunner.launch(
            "/bin/sh", ["-c", script, BinaryRunner.executable], environment: cli.environment, cwd: folder.path)
        XCTAssertEqual(result.stdout, "status=130\n", result.output)
    }

    func testMissingAndNonExecutableCommands() {
        let missing = cli.run(["exec", "--", "no-such-command-kimi"])
        XCTAssertEqual(missing.status, 127, missing.output)
        XCTAssertTrue(missing.stderr.contains("command not found: no-such-command-kimi"), missing.stderr)
        let path = folder.write("not-executable.sh", "#!/bin/sh\necho hi\n")
        let denied = cli.run(["exec", "--", path])
        XCTAssertEqual(denied.status, 126, denied.output)
        let bin = folder.makeFolder("bin")
        folder.write("bin/tool", "#!/bin/sh\necho hi\n")
        let onPath = cli.run(["exec", "--", "tool"], environment: ["PATH": bin + ":/usr/bin:/bin"])
        XCTAssertEqual(onPath.status, 126, onPath.output)
        XCTAssertEqual(cli.run(["exec", "--", "/tmp"]).status, 126)
        XCTAssertEqual(cli.run(["exec"]).status, 2)
        assertNoSecrets(missing.output + denied.output + onPath.output)
    }

    func testCommandIsLookedUpOnPath() {
        let bin = folder.makeFolder("bin")
        let tool = folder.write("bin/kimi-tool", "#!/bin/sh\necho \"tool:$KIMI_PROFILE\"\n")
        chmod(tool, 0o755)
        let result = cli.run(["exec", "kimi-tool"], environment: ["PATH": "/nonexistent:" + bin + ":/usr/bin:/bin"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.stdout, "tool:work\n")
    }

    /// Descriptors inherited from the caller reach the command; the vault's do not.
    func testOnlyInheritedDescriptorsReachTheCommand() {
        let marker = folder.write("inherited.txt", "x")
        let script = """
            exec 7<"$1"
            "$0" exec -- sh -c 'for f in /proc/$$/fd/*; do readlink "$f"; done'
            """
        let result = BinaryRunner.launch(
            "/bin/sh", ["-c", script, BinaryRunner.executable, marker], environment: cli.environment,
            cwd: folder.path)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.stdout.contains(marker), result.stdout)
        XCTAssertFalse(result.stdout.contains("vault.db"), result.stdout)
        XCTAssertFalse(result.stdout.contains("vault.key"), result.stdout)
    }

    func testNestedExecWithAnotherProjectProfileIsRefusedUnlessExplicit() {
        let project = folder.makeFolder("repo")
        folder.write("repo/.kimi-profile", "personal\n")
        let nested = cli.run(["exec", "--", "/bin/true"], cwd: project, environment: ["KIMI_PROFILE": "work"])
        XCTAssertEqual(nested.status, 2, nested.output)
        XCTAssertTrue(nested.stderr.contains("-p personal"), nested.stderr)
        let explicit = cli.run(
            ["exec", "-p", "personal", "--", "sh", "-c", "echo $KIMI_PROFILE"], cwd: project,
            environment: ["KIMI_PROFILE": "work"])
        XCTAssertEqual(explicit.stdout, "personal\n", explicit.output)
        let same = cli.run(["exec", "--", "/bin/true"], cwd: project, environment: ["KIMI_PROFILE": "personal"])
        XCTAssertEqual(same.status, 0, same.output)
    }

    func testEnvFormats() {
        let sh = cli.run(["env", "-p", "personal"])
        XCTAssertEqual(sh.status, 0, sh.output)
        XCTAssertTrue(sh.stdout.contains("export KIMI_API_KEY='\(personalKey)'\n"), sh.stdout)
        // The sh output evaluates back to the same values.
        let evaluated = BinaryRunner.launch(
            "/bin/sh", ["-c", "eval \"$1\"; printf '%s' \"$OPENCODE_CONFIG_CONTENT\"", "sh", sh.stdout],
            environment: ["PATH": "/usr/bin:/bin"])
        let options = ((jsonObject(evaluated.stdout)["provider"] as? [String: Any])?["kimi-for-coding"]
            as? [String: Any])?["options"] as? [String: Any]
        XCTAssertEqual(options?["apiKey"] as? String, personalKey)

        let fish = cli.run(["env", "--format", "fish"])
        XCTAssertTrue(fish.stdout.contains("set -gx KIMI_PROFILE 'work'\n"), fish.stdout)
        let json = cli.run(["env", "--format=json", "--anthropic"])
        let object = jsonObject(json.stdout)
        XCTAssertEqual(object["KIMI_API_KEY"] as? String, workKey)
        XCTAssertEqual(object["ANTHROPIC_BASE_URL"] as? String, "https://api.kimi.com/coding")
        XCTAssertEqual(cli.run(["env", "--format", "csh"]).status, 2)
    }

    func testTokenPrintsTheKeyAlone() {
        XCTAssertEqual(cli.run(["token"]).stdout, workKey + "\n")
        XCTAssertEqual(cli.run(["token", "-p", "personal"]).stdout, personalKey + "\n")
    }

    func testExecRecordsLastUse() {
        XCTAssertTrue(jsonObject(cli.run(["show", "work", "--json"]).stdout)["last_used_at"] is NSNull)
        XCTAssertEqual(cli.run(["exec", "--", "/bin/true"]).status, 0)
        XCTAssertTrue(jsonObject(cli.run(["show", "work", "--json"]).stdout)["last_used_at"] is String)
    }
}
