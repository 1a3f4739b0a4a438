import XCTest

@testable import KimiProfilesCore

/// SHA-256 against the FIPS 180-2 examples.
final class SHA256Tests: XCTestCase {
    func testEmptyMessage() {
        XCTAssertEqual(
            Hex.encode(SHA256.hash([UInt8]())),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testABC() {
        XCTAssertEqual(
            Hex.encode(SHA256.hash(Array("abc".utf8))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testFourHundredFortyEightBitMessage() {
        let message = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        XCTAssertEqual(message.count * 8, 448)
        XCTAssertEqual(
            Hex.encode(SHA256.hash(message)),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testOneMillionAs() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        XCTAssertEqual(
            Hex.encode(SHA256.hash(message)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testRawBufferAndArrayAgree() {
        let message = SecureRandom.bytes(count: 200)
        XCTAssertEqual(message.withUnsafeBytes { SHA256.hash($0) }, SHA256.hash(message))
        XCTAssertEqual(SHA256.hash(message).count, SHA256.byteCount)
    }
}
