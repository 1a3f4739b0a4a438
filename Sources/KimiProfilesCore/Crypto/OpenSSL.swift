internal import COpenSSL

/// One-time OpenSSL set-up and the cipher and digest objects fetched once per process.
///
/// `OPENSSL_INIT_NO_LOAD_CONFIG` skips reading openssl.cnf, and fetching AES-256-GCM and
/// SHA-256 once avoids OpenSSL 3's per-call implicit fetch (about 2–3 ms; LINUX-NOTES).
final class OpenSSL: @unchecked Sendable {
    // Both pointers are immutable after init and OpenSSL's fetched objects are thread-safe.
    let aes256gcm: OpaquePointer
    let sha256: OpaquePointer

    static let shared = OpenSSL()

    private init() {
        OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_LOAD_CONFIG), nil)
        guard let cipher = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil),
            let digest = EVP_MD_fetch(nil, "SHA256", nil)
        else {
            fatalError("OpenSSL has no AES-256-GCM or SHA-256; the installation is broken")
        }
        aes256gcm = cipher
        sha256 = digest
    }
}
