import XCTest

@testable import KimiProfilesCore

final class Base64Tests: XCTestCase {
    private func decode(_ text: String) -> [UInt8]? {
        Array(text.utf8).withUnsafeBytes { Base64.decode($0) }
    }

    func testRFC4648Vectors() {
        let vectors = [
            ("", ""), ("Zg==", "f"), ("Zm8=", "fo"), ("Zm9v", "foo"), ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"), ("Zm9vYmFy", "foobar"),
        ]
        for (encoded, plain) in vectors {
            XCTAssertEqual(decode(encoded), Array(plain.utf8), encoded)
        }
    }

    func testUnpaddedURLSafeAndWrappedInputDecode() {
        XCTAssertEqual(decode("Zm9vYg"), Array("foob".utf8))
        XCTAssertEqual(decode("-_8="), [0xfb, 0xff])
        XCTAssertEqual(decode("+/8="), [0xfb, 0xff])
        XCTAssertEqual(decode("Zm9v\nYmFy\n"), Array("foobar".utf8))
    }

    func testMalformedInputIsRefused() {
        for bad in ["Z", "Zm9vY", "Zm=9", "Zg===", "Zm9v!", "Zg=", "Zm9vYg=x"] {
            XCTAssertNil(decode(bad), bad)
        }
    }
}
