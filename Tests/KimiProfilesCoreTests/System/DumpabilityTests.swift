import Foundation
import XCTest

@testable import KimiProfilesCore

final class DumpabilityTests: XCTestCase {
    /// The mark is read back from the kernel (PR_GET_DUMPABLE), both ways; the test process is
    /// left dumpable, as it started.
    func testMarkingTheProcessNonDumpableIsSeenByTheKernel() throws {
        XCTAssertTrue(Dumpability.isDumpable, "a test process starts dumpable")
        defer { XCTAssertNoThrow(try Dumpability.set(dumpable: true)) }
        try Dumpability.set(dumpable: false)
        XCTAssertFalse(Dumpability.isDumpable)
        // A non-dumpable process's /proc files belong to root, whoever runs it.
        var info = stat()
        XCTAssertEqual(stat("/proc/\(getpid())/status", &info), 0)
        XCTAssertEqual(info.st_uid, 0)
        try Dumpability.set(dumpable: true)
        XCTAssertTrue(Dumpability.isDumpable)
        XCTAssertEqual(stat("/proc/\(getpid())/status", &info), 0)
        XCTAssertEqual(info.st_uid, geteuid())
    }
}
