import XCTest

@testable import KimiProfilesCore

/// The vault's sealed format and its binding to a profile and field.
final class SealedBoxTests: XCTestCase {
    private let key = randomKey()
    private let plaintext = Array("sk-kimi-sealed-box-plaintext".utf8)
    private let associatedData = SealedBox.associatedData(
        profileID: "3f0c6b1e-1d9a-4c55-9a11-0d8e3c1c2b7a", field: "credential")

    private func seal(_ bytes: [UInt8], aad: [UInt8]? = nil) throws -> [UInt8] {
        try SealedBox.seal(
            bytes.withUnsafeBytes { SecureBytes(copying: $0) }, key: key,
            associatedData: aad ?? associatedData)
    }

    private func open(_ blob: [UInt8], key: SymmetricKey? = nil, aad: [UInt8]? = nil) throws -> [UInt8] {
        array(try SealedBox.open(blob, key: key ?? self.key, associatedData: aad ?? associatedData))
    }

    func testLayoutIsVersionNonceCiphertextTag() throws {
        let blob = try seal(plaintext)
        XCTAssertEqual(blob.count, 1 + 12 + plaintext.count + 16)
        XCTAssertEqual(blob[0], 1)
        XCTAssertEqual(SealedBox.overhead, 29)
        // The parts, taken apart by hand, open with plain AES-GCM.
        let nonce = Array(blob[1..<13])
        let ciphertext = Array(blob[13..<(blob.count - 16)])
        let tag = Array(blob[(blob.count - 16)...])
        XCTAssertNotEqual(ciphertext, plaintext)
        let opened = try ciphertext.withUnsafeBytes { ct in
            try tag.withUnsafeBytes { t in
                try AESGCM.open(
                    ciphertext: ct, tag: t, key: key, nonce: nonce, associatedData: associatedData)
            }
        }
        XCTAssertEqual(array(opened), plaintext)
    }

    func testRoundTrip() throws {
        XCTAssertEqual(try open(try seal(plaintext)), plaintext)
        XCTAssertEqual(try open(try seal([])), [])
    }

    func testEverySealUsesAFreshNonce() throws {
        let a = try seal(plaintext)
        let b = try seal(plaintext)
        XCTAssertNotEqual(Array(a[1..<13]), Array(b[1..<13]))
        XCTAssertNotEqual(a, b)
    }

    func testEveryFlippedByteFailsToOpen() throws {
        let blob = try seal(plaintext)
        for index in blob.indices {
            for mask: UInt8 in [0x01, 0x80] {
                var damaged = blob
                damaged[index] ^= mask
                XCTAssertThrowsError(try open(damaged), "byte \(index) mask \(mask)") { error in
                    let expected: CryptoError = index == 0 ? .malformed : .authenticationFailed
                    XCTAssertEqual(error as? CryptoError, expected, "byte \(index)")
                }
            }
        }
    }

    func testTruncatedOrExtendedBlobFails() throws {
        let blob = try seal(plaintext)
        XCTAssertThrowsError(try open(Array(blob.prefix(SealedBox.overhead - 1)))) {
            XCTAssertEqual($0 as? CryptoError, .malformed)
        }
        XCTAssertThrowsError(try open([])) { XCTAssertEqual($0 as? CryptoError, .malformed) }
        XCTAssertThrowsError(try open(Array(blob.dropLast()))) {
            XCTAssertEqual($0 as? CryptoError, .authenticationFailed)
        }
        XCTAssertThrowsError(try open(blob + [0])) {
            XCTAssertEqual($0 as? CryptoError, .authenticationFailed)
        }
    }

    func testAnotherProfileOrFieldDoesNotOpen() throws {
        let blob = try seal(plaintext)
        let otherProfile = SealedBox.associatedData(
            profileID: "8a1f5e44-0b0f-4c0e-8f7e-5b6a1d9c3e21", field: "credential")
        let otherField = SealedBox.associatedData(
            profileID: "3f0c6b1e-1d9a-4c55-9a11-0d8e3c1c2b7a", field: "key-check")
        for aad in [otherProfile, otherField, []] {
            XCTAssertThrowsError(try open(blob, aad: aad)) {
                XCTAssertEqual($0 as? CryptoError, .authenticationFailed)
            }
        }
    }

    func testWrongKeyDoesNotOpen() throws {
        let blob = try seal(plaintext)
        XCTAssertThrowsError(try open(blob, key: randomKey())) {
            XCTAssertEqual($0 as? CryptoError, .authenticationFailed)
        }
    }

    func testAssociatedDataNamesProfileAndField() {
        let a = SealedBox.associatedData(profileID: "id-1", field: "credential")
        XCTAssertNotEqual(a, SealedBox.associatedData(profileID: "id-2", field: "credential"))
        XCTAssertNotEqual(a, SealedBox.associatedData(profileID: "id-1", field: "other"))
        // The separator keeps "ab"+"c" apart from "a"+"bc".
        XCTAssertNotEqual(
            SealedBox.associatedData(profileID: "ab", field: "c"),
            SealedBox.associatedData(profileID: "a", field: "bc"))
    }
}
