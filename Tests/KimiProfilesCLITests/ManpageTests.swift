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
}
