internal import COpenSSL

/// One-time OpenSSL set-up and the cipher and digest objects, made once per process.
///
/// OpenSSL 3 spends about 6 million instructions (2–3 ms here) on the first provider fetch:
/// it builds its name map from every legacy algorithm name. `exec` pays that on every launch
/// for one AES-GCM open, so AES-256-GCM uses a duplicate of OpenSSL's built-in cipher
/// (`EVP_CIPHER_meth_dup(EVP_aes_256_gcm())`). A duplicated method runs OpenSSL's own
/// AES-GCM code (AES-NI and carry-less multiply where the CPU has them) without the provider
/// lookup. Where that is unavailable the provider's cipher is fetched instead; the known-answer
/// tests hold for both. SHA-256 and the random generator, used only when something new is
/// sealed or a key is made, go through providers as usual, and are made only when first needed.
final class OpenSSL: @unchecked Sendable {
    // The pointer is immutable after init and OpenSSL's cipher objects are thread-safe.
    let aes256gcm: OpaquePointer
    /// Whether `aes256gcm` came from a provider fetch (the fallback).
    let fetchedCipher: Bool

    static let shared = OpenSSL()

    private init() {
        OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_LOAD_CONFIG), nil)
        if let builtIn = EVP_aes_256_gcm(), let duplicate = EVP_CIPHER_meth_dup(builtIn) {
            aes256gcm = duplicate
            fetchedCipher = false
        } else if let fetched = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil) {
            aes256gcm = fetched
            fetchedCipher = true
        } else {
            fatalError("OpenSSL has no AES-256-GCM; the installation is broken")
        }
    }

    /// SHA-256, fetched on first use.
    static let sha256: Digest = {
        _ = OpenSSL.shared
        guard let digest = EVP_MD_fetch(nil, "SHA256", nil) else {
            fatalError("OpenSSL has no SHA-256; the installation is broken")
        }
        return Digest(pointer: digest)
    }()

    /// A fetched message digest, kept for the life of the process.
    final class Digest: @unchecked Sendable {
        let pointer: OpaquePointer
        init(pointer: OpaquePointer) { self.pointer = pointer }
    }
}
