import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// An end-to-end test with the fake Kimi on 127.0.0.1 (OAuth host and API in one), started
/// before each test and stopped after it.
class FakeKimiTestCase: EndToEndTestCase {
    var kimi: FakeKimi!
    var server: FakeKimiServer!

    override func setUpWithError() throws {
        try super.setUpWithError()
        kimi = FakeKimi()
        server = try FakeKimiServer(kimi)
    }

    override func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }
}
