import Foundation
import XCTest

@testable import KimiProfilesCore

/// Replays the fuzzing inputs kept in Tests/Fuzz (see scripts/fuzz and Tests/Fuzz/README):
/// the hand-written seeds, the corpus the runs grew and every saved crasher, each through the
/// same `FuzzHarness` entry point the libFuzzer binary calls. The only assertion is that every
/// input returns: a trap kills the test process, which the run reports as a failure.
final class FuzzCorpusReplayTests: XCTestCase {
    /// Tests/Fuzz, found from this file's path.
    private static let fuzzFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Fuzz
        .deletingLastPathComponent()  // KimiProfilesCoreTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fuzz")

    func testEveryTargetHasItsFuzzerAndSeeds() {
        for target in FuzzHarness.targets {
            let source = Self.fuzzFolder.appendingPathComponent("\(target).swift").path
            XCTAssertTrue(FileManager.default.fileExists(atPath: source), "no libFuzzer target \(source)")
            XCTAssertFalse(inputs("seeds", target).isEmpty, "no seeds for \(target)")
        }
    }

    func testSeedsReplay() { replay("seeds") }

    func testCorpusReplays() { replay("corpus") }

    func testCrashersReplay() { replay("crashers") }

    private func replay(_ kind: String) {
        var count = 0
        for target in FuzzHarness.targets {
            for file in inputs(kind, target) {
                guard let data = FileManager.default.contents(atPath: file.path) else {
                    XCTFail("unreadable \(file.path)")
                    continue
                }
                data.withUnsafeBytes { FuzzHarness.run(target, $0) }
                count += 1
            }
        }
        // Printed so that a replay which silently found nothing shows in the log.
        print("FuzzCorpusReplayTests: \(count) \(kind) inputs replayed")
    }

    /// The regular files in Tests/Fuzz/<kind>/<target>/, sorted; none when the folder is absent.
    private func inputs(_ kind: String, _ target: String) -> [URL] {
        let folder = Self.fuzzFolder.appendingPathComponent(kind).appendingPathComponent(target)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return names.sorted().filter { !$0.hasPrefix(".") }.map { folder.appendingPathComponent($0) }
    }
}
