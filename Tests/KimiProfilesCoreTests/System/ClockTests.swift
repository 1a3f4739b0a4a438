import XCTest

@testable import KimiProfilesCore

final class ClockTests: XCTestCase {
    func testFixedClock() {
        let clock = Clock.fixed(1_700_000_000.9)
        XCTAssertEqual(clock.now(), 1_700_000_000.9)
        XCTAssertEqual(clock.seconds(), 1_700_000_000, "whole seconds round down")
        XCTAssertEqual(Clock.fixed(-0.5).seconds(), -1)
    }

    func testSystemClockIsAfter2024() {
        // 2024-01-01T00:00:00Z: catches a clock that returns zero or milliseconds.
        XCTAssertGreaterThan(Clock.system.seconds(), 1_704_067_200)
        XCTAssertLessThan(Clock.system.seconds(), 10_000_000_000)
    }
}

final class ErrnoTests: XCTestCase {
    func testDescriptionIsLowercasedStrerror() {
        XCTAssertEqual(Errno.noSuchFile.description, "no such file or directory")
        XCTAssertEqual(Errno.permissionDenied.description, "permission denied")
    }

    func testSyscallReturnsResultOrErrno() {
        XCTAssertEqual(try syscall { Int32(7) }, 7)
        XCTAssertThrowsError(try syscall { open("/nonexistent-kimi-profiles/x", O_RDONLY) }) {
            XCTAssertEqual($0 as? Errno, .noSuchFile)
        }
    }

    func testSyscallRetriesOnEINTR() throws {
        var calls = 0
        let result = try syscall { () -> Int32 in
            calls += 1
            if calls < 3 {
                errno = EINTR
                return -1
            }
            return 0
        }
        XCTAssertEqual(result, 0)
        XCTAssertEqual(calls, 3)
    }

    func testSystemErrorNamesThePath() {
        let error = SystemError.io(operation: "open", path: "/x/y", errno: .noSuchFile)
        XCTAssertEqual(error.description, "cannot open /x/y: no such file or directory")
    }
}
