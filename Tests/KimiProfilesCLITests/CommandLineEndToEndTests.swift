import Foundation
import TestSupport
import XCTest

/// Conventions of SPEC §5: help, version, suggestions, exit statuses, streams and colour.
final class CommandLineEndToEndTests: EndToEndTestCase {
    let commands = ["add", "list", "use", "current", "show", "rename", "remove", "token", "env", "exec", "help"]

    func testVersionAndHelp() {
        let version = cli.run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("kimi-profiles "), version.stdout)
        let help = cli.run(["--help"])
        XCTAssertEqual(help.status, 0)
        for command in commands {
            XCTAssertTrue(help.stdout.contains("  \(command) "), "\(command) missing from help")
        }
        XCTAssertEqual(cli.run(["help"]).stdout, help.stdout)
        let bare = cli.run([])
        XCTAssertEqual(bare.status, 2)
        XCTAssertEqual(bare.stdout, "")
    }

    func testEveryCommandHasHelp() {
        for command in commands {
            let long = cli.run([command, "--help"])
            XCTAssertEqual(long.status, 0, "\(command): \(long.output)")
            XCTAssertTrue(long.stdout.hasPrefix("usage: kimi-profiles \(command)"), long.stdout)
            XCTAssertEqual(cli.run(["help", command]).stdout, long.stdout)
            XCTAssertEqual(cli.run([command, "-h"]).stdout, long.stdout)
        }
    }

    func testUnknownCommandSuggestsTheNearestOne() {
        let result = cli.run(["lsit"])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.contains("Did you mean 'list'?"), result.stderr)
        XCTAssertTrue(result.stderr.contains("usage: kimi-profiles"), result.stderr)
        XCTAssertTrue(cli.run(["exce", "--", "true"]).stderr.contains("'exec'"))
        XCTAssertTrue(cli.run(["help", "curent"]).stderr.contains("'current'"))
    }

    func testUnknownOptionSuggestsTheNearestOne() {
        let result = cli.run(["list", "--jsno"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("Did you mean '--json'?"), result.stderr)
        XCTAssertTrue(result.stderr.contains("usage: kimi-profiles list"), result.stderr)
        XCTAssertTrue(cli.run(["--verison"]).stderr.contains("'--version'"))
        XCTAssertEqual(cli.run(["token", "-p"]).status, 2, "a missing option value is a usage error")
        XCTAssertEqual(cli.run(["list", "extra"]).status, 2)
    }

    func testNoColourOffATerminal() {
        addKeyProfile("work", key: workKey)
        let list = cli.run(["list"], environment: ["TERM": "xterm-256color"])
        XCTAssertFalse(list.output.contains("\u{1B}["), list.output)
        let error = cli.run(["show", "nobody"], environment: ["TERM": "xterm-256color"])
        XCTAssertFalse(error.output.contains("\u{1B}["), error.output)
    }

    /// On a terminal (a pseudo-terminal made by script(1)) colour appears, unless NO_COLOR.
    func testColourOnATerminalUnlessNoColor() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "script(1) is needed")
        addKeyProfile("work", key: workKey)
        let command = "'\(BinaryRunner.executable)' list"
        var env = cli.environment
        env["TERM"] = "xterm"
        let colored = BinaryRunner.launch("/usr/bin/script", ["-qec", command, "/dev/null"], environment: env)
        XCTAssertTrue(colored.stdout.contains("\u{1B}["), colored.output)
        env["NO_COLOR"] = "1"
        let plain = BinaryRunner.launch("/usr/bin/script", ["-qec", command, "/dev/null"], environment: env)
        XCTAssertEqual(plain.status, 0, plain.output)
        XCTAssertTrue(plain.stdout.contains("work"), plain.output)
        XCTAssertFalse(plain.stdout.contains("\u{1B}["), plain.output)
    }

    func testDataOnStdoutDiagnosticsOnStderr() {
        let add = cli.run(["add", "work", "--api-key-stdin"], stdin: workKey)
        XCTAssertEqual(add.stdout, "")
        XCTAssertTrue(add.stderr.contains("Added profile 'work'"))
        let current = cli.run(["current"])
        XCTAssertEqual(current.stderr, "")
        XCTAssertFalse(current.stdout.isEmpty)
    }
}
