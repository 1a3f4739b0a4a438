import XCTest

@testable import KimiProfilesCore

/// AES-256-GCM against published known answers, and every way a sealed message can be refused.
final class AESGCMTests: XCTestCase {
    /// One known-answer vector, all hex.
    struct Vector {
        let name: String
        let key: String
        let iv: String
        let aad: String
        let plaintext: String
        let ciphertext: String
        let tag: String
    }

    static let specKey = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
    static let specPlaintext =
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
    static let specAAD = "feedfacedeadbeeffeedfacedeadbeefabaddad2"

    /// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", appendix B, test cases
    /// 13–18 (the AES-256 ones).
    static let specVectors: [Vector] = [
        Vector(
            name: "GCM spec test case 13",
            key: String(repeating: "00", count: 32), iv: "000000000000000000000000", aad: "",
            plaintext: "", ciphertext: "", tag: "530f8afbc74536b9a963b4f1c4cb738b"),
        Vector(
            name: "GCM spec test case 14",
            key: String(repeating: "00", count: 32), iv: "000000000000000000000000", aad: "",
            plaintext: "00000000000000000000000000000000",
            ciphertext: "cea7403d4d606b6e074ec5d3baf39d18", tag: "d0d1c8a799996bf0265b98b5d48ab919"),
        Vector(
            name: "GCM spec test case 15",
            key: specKey, iv: "cafebabefacedbaddecaf888", aad: "",
            plaintext: specPlaintext + "1aafd255",
            ciphertext:
                "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
            tag: "b094dac5d93471bdec1a502270e3cc6c"),
        Vector(
            name: "GCM spec test case 16",
            key: specKey, iv: "cafebabefacedbaddecaf888", aad: specAAD,
            plaintext: specPlaintext,
            ciphertext:
                "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            tag: "76fc6ece0f4e1768cddf8853bb2d551b"),
        Vector(
            name: "GCM spec test case 17 (8-byte IV)",
            key: specKey, iv: "cafebabefacedbad", aad: specAAD,
            plaintext: specPlaintext,
            ciphertext:
                "c3762df1ca787d32ae47c13bf19844cbaf1ae14d0b976afac52ff7d79bba9de0"
                + "feb582d33934a4f0954cc2363bc73f7862ac430e64abe499f47c9b1f",
            tag: "3a337dbf46a792c45e454913fe2ea8f2"),
        Vector(
            name: "GCM spec test case 18 (60-byte IV)",
            key: specKey,
            iv:
                "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728"
                + "c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
            aad: specAAD, plaintext: specPlaintext,
            ciphertext:
                "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf4"
                + "0fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f",
            tag: "a44a8266ee1c8eb0c8b5d4cf5ae9f19a"),
    ]

    /// Wycheproof `aes_gcm_test.json`, the group with `ivSize` 128 and `keySize` 256: the
    /// 16-byte IVs that opencode-kimi-auth's files use.
    static let wycheproofVectors: [Vector] = [
        Vector(
            name: "Wycheproof tcId 200",
            key: "b4cd11db0b3e0b9b34eafd9fe027746976379155e76116afde1b96d21298e34f",
            iv: "00c49f4ebb07393f07ebc3825f7b0830", aad: "", plaintext: "", ciphertext: "",
            tag: "306fe8c9645cc849823e333a685b90b2"),
        Vector(
            name: "Wycheproof tcId 201",
            key: "b7797eb0c1a6089ad5452d81fdb14828c040ddc4589c32b565aad8cb4de3e4a0",
            iv: "0ad570d8863918fe89124e09d125a271", aad: "", plaintext: "ed", ciphertext: "3f",
            tag: "fd8f593b83314e33c5a72efbeb7095e8"),
        Vector(
            name: "Wycheproof tcId 203",
            key: "e7f7a48df99edd92b81f508618aa96526b279debd9ddb292d385ddbae80b2259",
            iv: "7ee376910f08f497aa6c3aa7113697fd", aad: "",
            plaintext: "5e51dbbb861b5ec60751c0996e00527f",
            ciphertext: "469478d448f7e97d755541aa09ad95b0", tag: "254ada5cf662d90c5e11b2bd9c4db4c4"),
        Vector(
            name: "Wycheproof tcId 204",
            key: "4f84782bfbb64a973c3de3dcfa3430367fd68bc0b4c3b31e5d7c8141ba3e6a67",
            iv: "5d1bde6fa0994b33efd8f23f531248a7", aad: "",
            plaintext: "78cb6650a1908a842101ea85804fed00cc56fbdafafba0ef4d1ca607dcae57b6",
            ciphertext: "cb960201fa5ad41d41d1c2c8037c71d52b72e76b16b589d71b976627c9734c9d",
            tag: "8dfce16467c3a6ebb3e7242c9a551962"),
        Vector(
            name: "Wycheproof tcId 198 (all-zero 16-byte IV)",
            key: "00112233445566778899aabbccddeeff102132435465768798a9bacbdcedfe0f",
            iv: "00000000000000000000000000000000", aad: "",
            plaintext: "8d74f1c97243d362577ff376c393d2dc",
            ciphertext: "265c42e2b96ea1de9c24f7182e337390", tag: "00000000000000000000000000000000"),
    ]

    // MARK: Known answers

    func testSealGivesTheSpecCiphertextAndTag() throws {
        for vector in Self.specVectors { try assertSeal(vector) }
    }

    func testOpenGivesTheSpecPlaintext() throws {
        for vector in Self.specVectors { try assertOpen(vector) }
    }

    func testWycheproofVectorsWithSixteenByteIVs() throws {
        for vector in Self.wycheproofVectors {
            XCTAssertEqual(hexBytes(vector.iv).count, 16, vector.name)
            try assertSeal(vector)
            try assertOpen(vector)
        }
    }

    func testSpecCase18UsesASixtyByteIV() {
        XCTAssertEqual(hexBytes(Self.specVectors[5].iv).count, 60)
        XCTAssertFalse(hexBytes(Self.specVectors[3].aad).isEmpty, "case 16 carries AAD")
    }

    // MARK: Refusals

    func testFlippedCiphertextBitFails() throws {
        let vector = Self.specVectors[3]
        for index in [0, 17, hexBytes(vector.ciphertext).count - 1] {
            var ciphertext = hexBytes(vector.ciphertext)
            ciphertext[index] ^= 0x01
            try assertOpenFails(vector, ciphertext: ciphertext)
        }
    }

    func testFlippedTagBitFails() throws {
        let vector = Self.specVectors[3]
        for index in 0..<16 {
            var tag = hexBytes(vector.tag)
            tag[index] ^= 0x80
            try assertOpenFails(vector, tag: tag)
        }
    }

    func testWrongKeyFails() throws {
        let vector = Self.specVectors[3]
        var key = hexBytes(vector.key)
        key[31] ^= 0x01
        try assertOpenFails(vector, key: key)
    }

    func testWrongAssociatedDataFails() throws {
        let vector = Self.specVectors[3]
        var aad = hexBytes(vector.aad)
        aad[0] ^= 0x01
        try assertOpenFails(vector, aad: aad)
        try assertOpenFails(vector, aad: [])
        try assertOpenFails(vector, aad: hexBytes(vector.aad) + [0])
    }

    func testMissingAssociatedDataCannotBeAdded() throws {
        // Case 15 was sealed without AAD; presenting some must fail too.
        try assertOpenFails(Self.specVectors[2], aad: [0x00])
    }

    func testWrongNonceFails() throws {
        let vector = Self.specVectors[3]
        var iv = hexBytes(vector.iv)
        iv[0] ^= 0x01
        try assertOpenFails(vector, iv: iv)
    }

    func testTruncatedTagIsMalformed() throws {
        let vector = Self.specVectors[3]
        let key = try XCTUnwrap(makeKey(hexBytes(vector.key)))
        let tag = Array(hexBytes(vector.tag).prefix(12))
        XCTAssertThrowsError(
            try hexBytes(vector.ciphertext).withUnsafeBytes { ct in
                try tag.withUnsafeBytes { t in
                    try AESGCM.open(
                        ciphertext: ct, tag: t, key: key, nonce: hexBytes(vector.iv),
                        associatedData: hexBytes(vector.aad))
                }
            }
        ) { XCTAssertEqual($0 as? CryptoError, .malformed) }
    }

    func testEmptyNonceIsMalformed() {
        let key = randomKey()
        XCTAssertThrowsError(
            try [UInt8]([1, 2, 3]).withUnsafeBytes {
                try AESGCM.seal($0, key: key, nonce: [], associatedData: [])
            }
        ) { XCTAssertEqual($0 as? CryptoError, .malformed) }
    }

    // MARK: Round trips

    func testEmptyPlaintextWithAssociatedDataRoundTrips() throws {
        let key = randomKey()
        let nonce = SecureRandom.bytes(count: 12)
        let aad = Array("profile\u{0}field".utf8)
        let sealed = try [UInt8]().withUnsafeBytes {
            try AESGCM.seal($0, key: key, nonce: nonce, associatedData: aad)
        }
        XCTAssertEqual(sealed.ciphertext, [])
        XCTAssertEqual(sealed.tag.count, 16)
        let opened = try open(sealed.ciphertext, sealed.tag, key: key, nonce: nonce, aad: aad)
        XCTAssertEqual(opened, [])
        XCTAssertThrowsError(try open(sealed.ciphertext, sealed.tag, key: key, nonce: nonce, aad: []))
    }

    func testLargeMessageRoundTrips() throws {
        let key = randomKey()
        let nonce = SecureRandom.bytes(count: 12)
        let message = SecureRandom.bytes(count: 100_003)
        let sealed = try message.withUnsafeBytes {
            try AESGCM.seal($0, key: key, nonce: nonce, associatedData: [7])
        }
        XCTAssertNotEqual(sealed.ciphertext, message)
        XCTAssertEqual(try open(sealed.ciphertext, sealed.tag, key: key, nonce: nonce, aad: [7]), message)
    }

    func testKeyMustBeThirtyTwoBytes() {
        XCTAssertNil(makeKey([UInt8](repeating: 1, count: 16)))
        XCTAssertNil(makeKey([UInt8](repeating: 1, count: 33)))
        XCTAssertNotNil(makeKey([UInt8](repeating: 1, count: 32)))
    }

    func testKeyDescriptionIsRedacted() throws {
        let key = try XCTUnwrap(makeKey([UInt8](repeating: 0x41, count: 32)))
        XCTAssertEqual("\(key)", "<redacted key>")
        XCTAssertFalse(String(reflecting: key).contains("AAAA"))
    }

    // MARK: Helpers

    private func assertSeal(_ vector: Vector, file: StaticString = #filePath, line: UInt = #line) throws {
        let key = try XCTUnwrap(makeKey(hexBytes(vector.key)), vector.name, file: file, line: line)
        let sealed = try hexBytes(vector.plaintext).withUnsafeBytes {
            try AESGCM.seal($0, key: key, nonce: hexBytes(vector.iv), associatedData: hexBytes(vector.aad))
        }
        XCTAssertEqual(Hex.encode(sealed.ciphertext), vector.ciphertext, vector.name, file: file, line: line)
        XCTAssertEqual(Hex.encode(sealed.tag), vector.tag, vector.name, file: file, line: line)
    }

    private func assertOpen(_ vector: Vector, file: StaticString = #filePath, line: UInt = #line) throws {
        let key = try XCTUnwrap(makeKey(hexBytes(vector.key)), vector.name, file: file, line: line)
        let opened = try open(
            hexBytes(vector.ciphertext), hexBytes(vector.tag), key: key, nonce: hexBytes(vector.iv),
            aad: hexBytes(vector.aad))
        XCTAssertEqual(Hex.encode(opened), vector.plaintext, vector.name, file: file, line: line)
    }

    private func assertOpenFails(
        _ vector: Vector, key: [UInt8]? = nil, iv: [UInt8]? = nil, aad: [UInt8]? = nil,
        ciphertext: [UInt8]? = nil, tag: [UInt8]? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let symmetric = try XCTUnwrap(makeKey(key ?? hexBytes(vector.key)), file: file, line: line)
        XCTAssertThrowsError(
            try open(
                ciphertext ?? hexBytes(vector.ciphertext), tag ?? hexBytes(vector.tag), key: symmetric,
                nonce: iv ?? hexBytes(vector.iv), aad: aad ?? hexBytes(vector.aad)),
            vector.name, file: file, line: line
        ) { error in
            XCTAssertEqual(error as? CryptoError, .authenticationFailed, file: file, line: line)
        }
    }

    private func open(
        _ ciphertext: [UInt8], _ tag: [UInt8], key: SymmetricKey, nonce: [UInt8], aad: [UInt8]
    ) throws -> [UInt8] {
        let opened = try ciphertext.withUnsafeBytes { ct in
            try tag.withUnsafeBytes { t in
                try AESGCM.open(ciphertext: ct, tag: t, key: key, nonce: nonce, associatedData: aad)
            }
        }
        return array(opened)
    }
}
