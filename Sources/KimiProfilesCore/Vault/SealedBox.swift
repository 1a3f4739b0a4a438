/// The vault's sealed format: `version ‖ nonce(12) ‖ ciphertext ‖ tag(16)` (SPEC §3), with
/// associated data that names the profile and field, so a blob moved elsewhere does not open.
enum SealedBox {
    static let version: UInt8 = 1
    static let overhead = 1 + AESGCM.nonceByteCount + AESGCM.tagByteCount

    /// The associated data for `field` of the profile with `profileID`.
    static func associatedData(profileID: String, field: String) -> [UInt8] {
        Array("kimi-profiles/v1\u{0}\(profileID)\u{0}\(field)".utf8)
    }

    static func seal(
        _ plaintext: SecureBytes, key: SymmetricKey, associatedData: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        let nonce = SecureRandom.bytes(count: AESGCM.nonceByteCount)
        let sealed = try plaintext.withUnsafeBytes { bytes throws(CryptoError) in
            try AESGCM.seal(bytes, key: key, nonce: nonce, associatedData: associatedData)
        }
        return [version] + nonce + sealed.ciphertext + sealed.tag
    }

    static func open(
        _ blob: [UInt8], key: SymmetricKey, associatedData: [UInt8]
    ) throws(CryptoError) -> SecureBytes {
        guard blob.count >= overhead, blob[0] == version else { throw .malformed }
        let nonce = Array(blob[1..<1 + AESGCM.nonceByteCount])
        let tagStart = blob.count - AESGCM.tagByteCount
        let opened = blob.withUnsafeBytes { bytes in
            Result { () throws(CryptoError) in
                try AESGCM.open(
                    ciphertext: UnsafeRawBufferPointer(
                        rebasing: bytes[(1 + AESGCM.nonceByteCount)..<tagStart]),
                    tag: UnsafeRawBufferPointer(rebasing: bytes[tagStart...]),
                    key: key, nonce: nonce, associatedData: associatedData)
            }
        }
        return try opened.get()
    }
}
