import XCTest

@testable import KimiProfilesCore

final class SecureBytesTests: XCTestCase {
    func testCopyingKeepsTheBytes() {
        let source: [UInt8] = [1, 2, 3, 250]
        let bytes = source.withUnsafeBytes { SecureBytes(copying: $0) }
        XCTAssertEqual(array(bytes), source)
        XCTAssertEqual(bytes.count, 4)
    }

    func testConsumingWipesTheSource() {
        var source: [UInt8] = Array("secret".utf8)
        let bytes = SecureBytes(consuming: &source)
        XCTAssertEqual(text(bytes), "secret")
        XCTAssertEqual(source, [UInt8](repeating: 0, count: 6))
    }

    func testEmptyBytes() {
        let bytes = [UInt8]().withUnsafeBytes { SecureBytes(copying: $0) }
        XCTAssertEqual(bytes.count, 0)
        XCTAssertEqual(array(bytes), [])
    }

    func testFailedInitializerRethrows() {
        struct Boom: Error {}
        XCTAssertThrowsError(try SecureBytes(count: 8) { _ in throw Boom() }) { XCTAssertTrue($0 is Boom) }
    }

    func testWipeZeroes() {
        var buffer: [UInt8] = [9, 9, 9]
        buffer.withUnsafeMutableBytes { wipe($0) }
        XCTAssertEqual(buffer, [0, 0, 0])
    }

    func testConstantTimeEquals() {
        func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
            a.withUnsafeBytes { x in b.withUnsafeBytes { y in constantTimeEquals(x, y) } }
        }
        XCTAssertTrue(equal([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(equal([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(equal([0, 2, 3], [1, 2, 3]))
        XCTAssertFalse(equal([1, 2, 3], [1, 2]))
        XCTAssertFalse(equal([], [0]))
        XCTAssertTrue(equal([], []))
    }
}
