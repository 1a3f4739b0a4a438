import Foundation
import TestSupport
import XCTest

/// SPEC §4 through the binary: -p > KIMI_PROFILE > nearest .kimi-profile > active.
final class ResolutionEndToEndTests: EndToEndTestCase {
    func testEachRuleWinsInTurnAndCurrentNamesIt() {
        addKeyProfile("work", key: workKey)
        addKeyProfile("personal", key: personalKey)
        addKeyProfile("client", key: "sk-kimi-client-key")
        let project = folder.makeFolder("repo")
        let nested = folder.makeFolder("repo/src/deep")
        folder.write("repo/.kimi-profile", "# pinned\n\n  personal  \n")

        // 4. the active profile
        var current = jsonObject(cli.run(["current", "--json"]).stdout)
        XCTAssertEqual(current["name"] as? String, "work")
        XCTAssertEqual(current["source"] as? String, "active")
        XCTAssertTrue(current["path"] is NSNull)

        // 3. the nearest .kimi-profile, found from a nested folder
        let fromFile = cli.run(["current"], cwd: nested)
        XCTAssertEqual(fromFile.stdout, "personal (from \(project)/.kimi-profile)\n")
        current = jsonObject(cli.run(["current", "--json"], cwd: nested).stdout)
        XCTAssertEqual(current["source"] as? String, "project-file")
        XCTAssertEqual(current["path"] as? String, project + "/.kimi-profile")
        XCTAssertEqual(cli.run(["token"], cwd: nested).stdout, personalKey + "\n")

        // 2. KIMI_PROFILE beats the file
        let fromEnv = cli.run(["current"], cwd: nested, environment: ["KIMI_PROFILE": "client"])
        XCTAssertEqual(fromEnv.stdout, "client (from KIMI_PROFILE)\n")

        // 1. -p beats everything
        let fromFlag = cli.run(["current", "-p", "work"], cwd: nested, environment: ["KIMI_PROFILE": "client"])
        XCTAssertEqual(fromFlag.stdout, "work (from --profile)\n")
        let long = cli.run(["current", "--profile=work", "--json"], cwd: nested, environment: ["KIMI_PROFILE": "client"])
        XCTAssertEqual(jsonObject(long.stdout)["source"] as? String, "flag")
    }

    func testUnknownNamesAreExit3NamingTheirSource() {
        addKeyProfile("work", key: workKey)
        let project = folder.makeFolder("repo")
        folder.write("repo/.kimi-profile", "ghost\n")

        let file = cli.run(["token"], cwd: project)
        XCTAssertEqual(file.status, 3, file.output)
        XCTAssertTrue(file.stderr.contains("'ghost'"), file.stderr)
        XCTAssertTrue(file.stderr.contains(project + "/.kimi-profile"), file.stderr)
        XCTAssertEqual(file.stdout, "", "never falls back to another profile")

        let env = cli.run(["exec", "--", "/bin/true"], environment: ["KIMI_PROFILE": "phantom"])
        XCTAssertEqual(env.status, 3, env.output)
        XCTAssertTrue(env.stderr.contains("'phantom'") && env.stderr.contains("KIMI_PROFILE"), env.stderr)

        let flag = cli.run(["env", "-p", "nobody"])
        XCTAssertEqual(flag.status, 3, flag.output)
        XCTAssertTrue(flag.stderr.contains("--profile"), flag.stderr)
    }

    func testProjectFileWithAnInvalidNameIsRefused() {
        addKeyProfile("work", key: workKey)
        let project = folder.makeFolder("repo")
        folder.write("repo/.kimi-profile", "https://evil.example/steal\n")
        let result = cli.run(["current"], cwd: project)
        XCTAssertEqual(result.status, 3, result.output)
        XCTAssertTrue(result.stderr.contains("invalid profile name"), result.stderr)
        XCTAssertTrue(result.stderr.contains(project + "/.kimi-profile"), result.stderr)
    }

    func testNothingSelectedIsExit3WithAHint() {
        let result = cli.run(["token"])
        XCTAssertEqual(result.status, 3, result.output)
        XCTAssertTrue(result.stderr.contains("no profile selected"), result.stderr)
        XCTAssertTrue(result.stderr.contains("kimi-profiles add"), result.stderr)
    }

    func testUseWarnsWhenAStrongerRuleStillWins() {
        addKeyProfile("work", key: workKey)
        addKeyProfile("personal", key: personalKey)
        let project = folder.makeFolder("repo")
        folder.write("repo/.kimi-profile", "work\n")
        let result = cli.run(["use", "personal"], cwd: project)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.stderr.contains("takes precedence"), result.stderr)
    }
}
