import Foundation
import XCTest

@testable import KimiProfilesCore

final class DescriptorsTests: XCTestCase {
    private func closeOnExec(_ fd: Int32) -> Bool {
        fcntl(fd, F_GETFD) & FD_CLOEXEC != 0
    }

    func testSnapshotSeesOpenDescriptors() {
        let fd = open("/dev/null", O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let snapshot = Descriptors.snapshot()
        XCTAssertTrue(snapshot.inherited.contains(fd))
        XCTAssertTrue(snapshot.inherited.isSuperset(of: [0, 1, 2]))
    }

    func testOwnDescriptorsBecomeCloseOnExecInheritedOnesDoNot() {
        let inherited = open("/dev/null", O_RDONLY)
        XCTAssertGreaterThanOrEqual(inherited, 0)
        defer { close(inherited) }
        let snapshot = Descriptors.snapshot()
        let own = open("/dev/null", O_RDONLY)
        XCTAssertGreaterThanOrEqual(own, 0)
        defer { close(own) }
        XCTAssertFalse(closeOnExec(own))
        XCTAssertFalse(closeOnExec(inherited))

        snapshot.closeOwnOnExec()
        XCTAssertTrue(closeOnExec(own))
        XCTAssertFalse(closeOnExec(inherited))
    }
}
