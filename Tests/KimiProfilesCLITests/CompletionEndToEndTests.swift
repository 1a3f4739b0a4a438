import Foundation
import TestSupport
import XCTest

/// `completion bash|zsh|fish` and the hidden `__complete-profiles`, through the built binary;
/// the bash script is loaded into a real bash and asked to complete.
final class CompletionEndToEndTests: EndToEndTestCase {
    /// A folder holding a `kimi-profiles` link to the binary under test, for the scripts'
    /// call back to `kimi-profiles __complete-profiles`.
    var binFolder: String!

    override func setUp() {
        super.setUp()
        binFolder = folder.makeFolder("bin")
        try? FileManager.default.createSymbolicLink(
            atPath: binFolder + "/kimi-profiles", withDestinationPath: BinaryRunner.executable)
    }

    func shell(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/bin/\(name)", "/usr/local/bin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs bash's completion function for the words typed so far (the last one is the word
    /// being completed) and returns what it offers.
    func bashCompletions(_ words: [String]) throws -> [String] {
        guard let bash = shell("bash") else { throw XCTSkip("bash is not installed") }
        let script = cli.run(["completion", "bash"])
        XCTAssertEqual(script.status, 0, script.output)
        let file = folder.write("completion.bash", script.stdout)
        let quoted = words.map { "'" + $0 + "'" }.joined(separator: " ")
        let program = """
            source '\(file)'
            COMP_WORDS=(\(quoted))
            COMP_CWORD=\(words.count - 1)
            _kimi_profiles
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        var environment = cli.environment
        environment["PATH"] = binFolder + ":" + (environment["PATH"] ?? "")
        let result = BinaryRunner.launch(bash, ["--norc", "--noprofile", "-c", program], environment: environment)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.stderr, "")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    func testBashScriptPassesBashN() throws {
        guard let bash = shell("bash") else { throw XCTSkip("bash is not installed") }
        let file = folder.write("completion.bash", cli.run(["completion", "bash"]).stdout)
        let result = BinaryRunner.launch(bash, ["-n", file], environment: [:])
        XCTAssertEqual(result.status, 0, result.output)
    }

    func testBashCompletesCommandsAndAliases() throws {
        XCTAssertEqual(Set(try bashCompletions(["kimi-profiles", "us"])), ["use", "usage"])
        XCTAssertEqual(Set(try bashCompletions(["kimi-profiles", "r"])), ["rename", "remove", "rm"])
        XCTAssertTrue(try bashCompletions(["kimi-profiles", ""]).contains("doctor"))
        XCTAssertFalse(try bashCompletions(["kimi-profiles", "_"]).contains("__complete-profiles"), "hidden")
    }

    func testBashCompletesOptionsAndChoices() throws {
        XCTAssertEqual(Set(try bashCompletions(["kimi-profiles", "ls", "--"])), ["--json", "--help"])
        XCTAssertEqual(Set(try bashCompletions(["kimi-profiles", "doctor", "--f"])), ["--fix"])
        XCTAssertEqual(Set(try bashCompletions(["kimi-profiles", "env", "--format", ""])), ["sh", "fish", "json"])
        XCTAssertEqual(Set(try bashCompletions(["kimi-profiles", "completion", ""])), ["bash", "zsh", "fish"])
    }

    func testBashCompletesProfileNamesFromTheVault() throws {
        addBothProfiles()
        XCTAssertEqual(try bashCompletions(["kimi-profiles", "exec", "-p", ""]), ["personal", "work"])
        XCTAssertEqual(try bashCompletions(["kimi-profiles", "token", "--profile", "w"]), ["work"])
        XCTAssertEqual(try bashCompletions(["kimi-profiles", "use", "p"]), ["personal"])
        XCTAssertEqual(try bashCompletions(["kimi-profiles", "rename", "work", ""]), [], "only the first operand is a name")
        XCTAssertTrue(try bashCompletions(["kimi-profiles", "exec", "-p", "work", "--", "l"]).contains("ls"))
    }

    func testZshScriptParses() throws {
        guard let zsh = shell("zsh") else { throw XCTSkip("zsh is not installed") }
        let file = folder.write("_kimi-profiles", cli.run(["completion", "zsh"]).stdout)
        let result = BinaryRunner.launch(zsh, ["-n", file], environment: [:])
        XCTAssertEqual(result.status, 0, result.output)
    }

    func testFishScriptParses() throws {
        guard let fish = shell("fish") else { throw XCTSkip("fish is not installed") }
        let file = folder.write("kimi-profiles.fish", cli.run(["completion", "fish"]).stdout)
        let result = BinaryRunner.launch(fish, ["-n", file], environment: [:])
        XCTAssertEqual(result.status, 0, result.output)
    }

    func testEveryScriptNamesEveryVisibleCommandAndOption() {
        let overview = cli.run(["help"]).stdout
        let commands = overview.split(separator: "\n").filter { $0.hasPrefix("  ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
        for shell in ["bash", "zsh", "fish"] {
            let script = cli.run(["completion", shell])
            XCTAssertEqual(script.status, 0, script.output)
            XCTAssertFalse(script.stdout.contains("__complete-profiles)"), "\(shell): the hidden command is not offered")
            for command in commands {
                XCTAssertTrue(script.stdout.contains(command), "\(shell) lacks \(command)")
                for line in cli.run([command, "--help"]).stdout.split(separator: "\n") where line.hasPrefix("  ") {
                    guard let long = line.split(separator: " ").first(where: { $0.hasPrefix("--") }) else { continue }
                    let option = long.replacingOccurrences(of: ",", with: "")
                    let present = shell == "fish" ? script.stdout.contains("-l \(option.dropFirst(2))") : script.stdout.contains(option)
                    XCTAssertTrue(present, "\(shell) lacks \(option) of \(command)")
                }
            }
        }
    }

    func testAnUnknownShellIsAUsageError() {
        let result = cli.run(["completion", "bsh"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("Did you mean 'bash'?"), result.stderr)
        XCTAssertEqual(cli.run(["completion"]).status, 2)
    }

    func testHiddenNamesCommandPrintsNamesWithoutCreatingAVault() {
        let empty = cli.run(["__complete-profiles"])
        XCTAssertEqual(empty.status, 0, empty.output)
        XCTAssertEqual(empty.output, "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.home), "no vault, no folder created")

        addBothProfiles()
        let names = cli.run(["__complete-profiles"])
        XCTAssertEqual(names.status, 0, names.output)
        XCTAssertEqual(names.stdout, "personal\nwork\n")
        assertNoSecrets(names.output)
    }

    func testHiddenNamesCommandIsSilentWhenTheVaultDoesNotOpen() {
        addBothProfiles()
        XCTAssertEqual(chmod(keyPath, 0o644), 0)
        let result = cli.run(["__complete-profiles"])
        XCTAssertEqual(result.output, "", "nothing spills onto the command line")
        XCTAssertEqual(result.status, 1)
    }

    func testHiddenNamesCommandIsNotInHelp() {
        XCTAssertFalse(cli.run(["help"]).stdout.contains("__complete"))
        XCTAssertFalse(cli.run(["__complete"]).stderr.contains("__complete-profiles"), "not suggested")
    }
}
