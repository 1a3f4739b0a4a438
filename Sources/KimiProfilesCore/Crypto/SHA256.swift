internal import COpenSSL

/// SHA-256 through libcrypto.
public enum SHA256 {
    public static let byteCount = 32

    /// The digest of `data`.
    public static func hash(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        let context = EVP_MD_CTX_new()
        defer { EVP_MD_CTX_free(context) }
        var digest = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let ok =
            EVP_DigestInit_ex(context, OpenSSL.sha256.pointer, nil) == 1
            && EVP_DigestUpdate(context, data.baseAddress, data.count) == 1
            && digest.withUnsafeMutableBufferPointer {
                EVP_DigestFinal_ex(context, $0.baseAddress, &length) == 1
            }
        precondition(ok && length == UInt32(byteCount), "EVP SHA-256 failed")
        return digest
    }

    /// The digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0) }
    }
}
