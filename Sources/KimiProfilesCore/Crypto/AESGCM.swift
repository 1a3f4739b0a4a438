internal import COpenSSL

/// AES-256-GCM through libcrypto's EVP interface.
///
/// The nonce length is free (12 bytes for everything this tool seals; 16 for the files that
/// opencode-kimi-auth wrote), the tag is 16 bytes, and the associated data is authenticated
/// but not encrypted.
public enum AESGCM {
    public static let tagByteCount = 16
    public static let nonceByteCount = 12

    /// Encrypts `plaintext`, returning the ciphertext and the tag.
    public static func seal(
        _ plaintext: UnsafeRawBufferPointer, key: SymmetricKey, nonce: [UInt8],
        associatedData: [UInt8]
    ) throws(CryptoError) -> (ciphertext: [UInt8], tag: [UInt8]) {
        let context = try Context(key: key, nonce: nonce, encrypting: true)
        try context.authenticate(associatedData)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: max(plaintext.count, 1), alignment: 16)
        defer { output.deallocate() }
        try context.update(plaintext, into: output)
        ciphertext.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: output[0..<plaintext.count])) }
        var tag = [UInt8](repeating: 0, count: tagByteCount)
        try context.finishSealing(tag: &tag)
        return (ciphertext, tag)
    }

    /// Decrypts and verifies; the plaintext is returned only when the tag matches.
    public static func open(
        ciphertext: UnsafeRawBufferPointer, tag: UnsafeRawBufferPointer, key: SymmetricKey,
        nonce: [UInt8], associatedData: [UInt8]
    ) throws(CryptoError) -> SecureBytes {
        guard tag.count == tagByteCount else { throw .malformed }
        let context = try Context(key: key, nonce: nonce, encrypting: false)
        try context.authenticate(associatedData)
        do {
            return try SecureBytes(count: ciphertext.count) { out in
                try context.update(ciphertext, into: out)
                try context.finishOpening(tag: tag)
            }
        } catch let error as CryptoError {
            throw error
        } catch {
            throw .library("open")
        }
    }

    /// One EVP_CIPHER_CTX, freed (and its key schedule cleansed) in deinit.
    private final class Context {
        let pointer: OpaquePointer
        let encrypting: Bool

        init(key: SymmetricKey, nonce: [UInt8], encrypting: Bool) throws(CryptoError) {
            guard !nonce.isEmpty else { throw .malformed }
            guard let pointer = EVP_CIPHER_CTX_new() else { throw .library("EVP_CIPHER_CTX_new") }
            self.pointer = pointer
            self.encrypting = encrypting
            let cipher = OpenSSL.shared.aes256gcm
            let initialize = encrypting ? EVP_EncryptInit_ex : EVP_DecryptInit_ex
            guard initialize(pointer, cipher, nil, nil, nil) == 1 else {
                throw .library("EVP_CipherInit_ex")
            }
            guard
                EVP_CIPHER_CTX_ctrl(pointer, EVP_CTRL_GCM_SET_IVLEN, Int32(nonce.count), nil) == 1
            else { throw .library("EVP_CTRL_GCM_SET_IVLEN") }
            let ok = key.storage.withUnsafeBytes { keyBytes in
                nonce.withUnsafeBufferPointer { iv in
                    initialize(
                        pointer, nil, nil, keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self),
                        iv.baseAddress)
                }
            }
            guard ok == 1 else { throw .library("EVP_CipherInit_ex") }
        }

        deinit { EVP_CIPHER_CTX_free(pointer) }

        func authenticate(_ data: [UInt8]) throws(CryptoError) {
            // With a nil output, EVP_*Update treats input as AAD; an empty AAD needs no call.
            guard !data.isEmpty else { return }
            var outLength: Int32 = 0
            let ok = data.withUnsafeBufferPointer { aad in
                encrypting
                    ? EVP_EncryptUpdate(pointer, nil, &outLength, aad.baseAddress, Int32(aad.count))
                    : EVP_DecryptUpdate(pointer, nil, &outLength, aad.baseAddress, Int32(aad.count))
            }
            guard ok == 1 else { throw .library("EVP_CipherUpdate (aad)") }
        }

        func update(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
            throws(CryptoError)
        {
            // An empty input has a nil base address, which EVP would read as AAD: skip it.
            guard input.count > 0 else { return }
            var outLength: Int32 = 0
            let inPointer = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let outPointer = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let ok =
                encrypting
                ? EVP_EncryptUpdate(pointer, outPointer, &outLength, inPointer, Int32(input.count))
                : EVP_DecryptUpdate(pointer, outPointer, &outLength, inPointer, Int32(input.count))
            // GCM is a stream mode: every input byte comes out at once.
            guard ok == 1, Int(outLength) == input.count else { throw .library("EVP_CipherUpdate") }
        }

        func finishSealing(tag: inout [UInt8]) throws(CryptoError) {
            var scratch = [UInt8](repeating: 0, count: 16)
            var outLength: Int32 = 0
            guard EVP_EncryptFinal_ex(pointer, &scratch, &outLength) == 1 else {
                throw .library("EVP_EncryptFinal_ex")
            }
            let ok = tag.withUnsafeMutableBytes {
                EVP_CIPHER_CTX_ctrl(pointer, EVP_CTRL_GCM_GET_TAG, Int32($0.count), $0.baseAddress)
            }
            guard ok == 1 else { throw .library("EVP_CTRL_GCM_GET_TAG") }
        }

        func finishOpening(tag: UnsafeRawBufferPointer) throws(CryptoError) {
            let ok = EVP_CIPHER_CTX_ctrl(
                pointer, EVP_CTRL_GCM_SET_TAG, Int32(tag.count), UnsafeMutableRawPointer(mutating: tag.baseAddress))
            guard ok == 1 else { throw .library("EVP_CTRL_GCM_SET_TAG") }
            var scratch = [UInt8](repeating: 0, count: 16)
            var outLength: Int32 = 0
            guard EVP_DecryptFinal_ex(pointer, &scratch, &outLength) == 1 else {
                ERR_clear_error()
                throw .authenticationFailed
            }
        }
    }
}
