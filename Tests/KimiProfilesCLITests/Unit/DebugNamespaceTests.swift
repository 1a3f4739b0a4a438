@testable import KimiProfilesCLI
import XCTest

/// `DEBUG` in the syntax of npm's `debug` package.
final class DebugNamespaceTests: XCTestCase {
    func testPatterns() {
        for on in ["kimi-profiles:*", "*", "kimi-profiles", "foo kimi-profiles:*", "foo,kimi-*", "kimi-profiles:http"] {
            XCTAssertTrue(Context.debugNamespaceEnabled(on), on)
        }
        for off in ["", "foo", "kimi-profilesx", "*,-kimi-profiles:*", "kimi-profiles:*,-kimi-profiles", "other:*"] {
            XCTAssertFalse(Context.debugNamespaceEnabled(off), off)
        }
    }
}
