import Foundation
import TestSupport
import XCTest

/// The man pages are lint-clean and mention every command and option the CLI has.
final class ManpageTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let pages = ["kimi-profiles.1", "kimi-profile.5"].map { root.appendingPathComponent("Manpages/" + $0).path }

    func testManPagesAreLintClean() throws {
        let mandoc = ["/usr/bin/mandoc", "/usr/local/bin/mandoc"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let mandoc else {
            XCTFail("mandoc is not installed; 'make test' installs it")
            return
        }
        let result = BinaryRunner.launch(mandoc, ["-T", "lint", "-W", "warning"] + pages, environment: [:])
        XCTAssertEqual(result.output, "", "mandoc -T lint -W warning")
        XCTAssertEqual(result.status, 0)
    }

    func testEveryCommandAndOptionIsDocumented() throws {
        let page = try String(contentsOfFile: pages[0], encoding: .utf8)
        let folder = TemporaryDirectory()
        let cli = BinaryRunner(folder: folder)
        let overview = cli.run(["help"]).stdout
        let commands = overview.split(separator: "\n").filter { $0.hasPrefix("  ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
        XCTAssertFalse(commands.isEmpty)
        for command in commands {
            let documented = page.contains(".It Cm \(command)") || page.contains(".It Xo\n.Cm \(command)")
            XCTAssertTrue(documented, "man page lacks an .It entry for command \(command)")
            let help = cli.run([command, "--help"]).stdout
            let options = help.split(separator: "\n").filter { $0.hasPrefix("  ") }
            for line in options {
                guard let long = line.split(separator: " ").first(where: { $0.hasPrefix("--") }) else { continue }
                let name = long.dropFirst(2).replacingOccurrences(of: ",", with: "")
                XCTAssertTrue(page.contains("Fl -\(name)"), "man page lacks --\(name) of \(command)")
            }
        }
    }

    /// The other direction: every command the man page lists, and every long option it names,
    /// exists in the CLI.
    func testTheManPageDocumentsNothingTheCLILacks() throws {
        let page = try String(contentsOfFile: pages[0], encoding: .utf8)
        let folder = TemporaryDirectory()
        let cli = BinaryRunner(folder: folder)
        let overview = cli.run(["help"]).stdout
        let commands = Set(
            overview.split(separator: "\n").filter { $0.hasPrefix("  ") }
                .compactMap { $0.split(separator: " ").first.map(String.init) })
        // "name" stands for any option where the page explains the --name=value syntax.
        var options: Set<String> = ["help", "version", "name"]
        for command in commands {
            for line in cli.run([command, "--help"]).stdout.split(separator: "\n") where line.hasPrefix("  ") {
                for word in line.split(separator: " ") where word.hasPrefix("--") {
                    options.insert(String(word.dropFirst(2).filter { $0 != "," }))
                }
            }
        }
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: ".Sh COMMANDS"),
            let end = lines[(start + 1)...].firstIndex(where: { $0.hasPrefix(".Sh ") })
        else { return XCTFail("no COMMANDS section") }
        // Only the items of the section's outer list are commands; nested lists hold options
        // and values (such as import's sources).
        var documented: Set<String> = []
        var depth = 0
        for index in (start + 1)..<end {
            let line = lines[index]
            if line.hasPrefix(".Bl ") { depth += 1 }
            if line.hasPrefix(".El") { depth -= 1 }
            guard depth == 1 else { continue }
            var entry: Substring?
            if line.hasPrefix(".It Cm ") {
                entry = line.dropFirst(7)
            } else if line.hasPrefix(".Cm "), lines[index - 1] == ".It Xo" {
                entry = line.dropFirst(4)
            }
            if let name = entry?.split(separator: " ").first { documented.insert(String(name)) }
        }
        XCTAssertFalse(documented.isEmpty)
        XCTAssertEqual(documented.subtracting(commands), [], "commands in the man page that the CLI lacks")
        var named: Set<String> = []
        for line in lines {
            var rest = Substring(line)
            while let range = rest.range(of: "Fl -") {
                let word = rest[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" }
                if !word.isEmpty { named.insert(String(word)) }
                rest = rest[range.upperBound...]
            }
        }
        XCTAssertFalse(named.isEmpty)
        XCTAssertEqual(named.subtracting(options), [], "options in the man page that no command has")
    }
}
