import XCTest

@testable import KimiProfilesCore

final class SecureRandomTests: XCTestCase {
    func testUUIDIsVersionFourInLowercaseText() {
        for _ in 0..<200 {
            let uuid = SecureRandom.uuid()
            let parts = uuid.split(separator: "-", omittingEmptySubsequences: false)
            XCTAssertEqual(parts.map(\.count), [8, 4, 4, 4, 12], uuid)
            XCTAssertTrue(uuid.allSatisfy { "0123456789abcdef-".contains($0) }, uuid)
            XCTAssertEqual(parts[2].first, "4", uuid)
            XCTAssertTrue(parts[3].first.map { "89ab".contains($0) } ?? false, uuid)
        }
    }

    func testUUIDsDiffer() {
        let uuids = Set((0..<100).map { _ in SecureRandom.uuid() })
        XCTAssertEqual(uuids.count, 100)
    }

    func testBytesHaveTheCountAskedForAndVary() {
        XCTAssertEqual(SecureRandom.bytes(count: 0), [])
        let a = SecureRandom.bytes(count: 32)
        let b = SecureRandom.bytes(count: 32)
        XCTAssertEqual(a.count, 32)
        XCTAssertNotEqual(a, b)
        XCTAssertNotEqual(a, [UInt8](repeating: 0, count: 32))
    }

    func testHexHasTwoDigitsPerByte() {
        let text = SecureRandom.hex(count: 16)
        XCTAssertEqual(text.count, 32)
        XCTAssertEqual(Hex.decode(text)?.count, 16)
    }
}

final class HexTests: XCTestCase {
    func testEncode() {
        XCTAssertEqual(Hex.encode([0x00, 0x01, 0x7f, 0x80, 0xab, 0xff]), "00017f80abff")
        XCTAssertEqual(Hex.encode([UInt8]()), "")
    }

    func testDecodeAcceptsBothCases() {
        XCTAssertEqual(Hex.decode("00017f80abff"), [0x00, 0x01, 0x7f, 0x80, 0xab, 0xff])
        XCTAssertEqual(Hex.decode("ABCDEF"), [0xab, 0xcd, 0xef])
        XCTAssertEqual(Hex.decode(""), [])
    }

    func testDecodeRefusesOddLengthAndNonHex() {
        XCTAssertNil(Hex.decode("abc"))
        XCTAssertNil(Hex.decode("zz"))
        XCTAssertNil(Hex.decode("0g"))
        XCTAssertNil(Hex.decode("0x00"))
        XCTAssertNil(Hex.decode("00 11"))
        XCTAssertNil(Hex.decode("é0"))
    }

    func testRoundTrip() {
        let bytes = SecureRandom.bytes(count: 64)
        XCTAssertEqual(Hex.decode(Hex.encode(bytes)), bytes)
    }
}
