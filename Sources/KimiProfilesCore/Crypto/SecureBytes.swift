internal import COpenSSL

/// Bytes in memory that this process allocated itself and wipes (`OPENSSL_cleanse`) when freed.
///
/// Swift's `Array`, `Data` and `String` may be copied or moved by the runtime, so a wipe of one
/// of them cannot be trusted. Secrets and keys live here instead, immutable once built.
public final class SecureBytes: @unchecked Sendable {
    // Immutable after init, so sharing across threads is safe.
    private let pointer: UnsafeMutableRawPointer
    public let count: Int

    /// Takes a copy of `bytes`.
    public init(copying bytes: UnsafeRawBufferPointer) {
        count = bytes.count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        if count > 0 { pointer.copyMemory(from: bytes.baseAddress!, byteCount: count) }
    }

    /// Allocates `count` bytes and lets `initialize` fill them before the value is shared.
    public init(count: Int, initialize: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        self.count = count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
        // Every stored property is set, so if `initialize` throws, deinit still runs and
        // wipes and frees the memory: it must not be freed here too.
        try initialize(UnsafeMutableRawBufferPointer(start: pointer, count: count))
    }

    /// Takes a copy of `bytes` and wipes the source array in place.
    public convenience init(consuming bytes: inout [UInt8]) {
        self.init(count: bytes.count) { target in
            bytes.withUnsafeBytes { target.copyMemory(from: $0) }
        }
        bytes.withUnsafeMutableBytes { wipe($0) }
    }

    deinit {
        OPENSSL_cleanse(pointer, max(count, 1))
        pointer.deallocate()
    }

    /// Lends the bytes for the duration of `body`; do not let the pointer escape.
    public func withUnsafeBytes<R, E: Error>(
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

/// Overwrites `buffer` with zeros in a way the optimiser may not remove.
public func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    OPENSSL_cleanse(base, buffer.count)
}

/// Compares two byte strings in time that depends only on their lengths (`CRYPTO_memcmp`).
public func constantTimeEquals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    guard a.count > 0 else { return true }
    return CRYPTO_memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
}

extension SecureBytes {
    /// The bytes as lowercase hex, in wiped memory: for secrets that travel as text (the
    /// proxy's session secret).
    public func hexSecret() -> SecureBytes {
        let digits = Array("0123456789abcdef".utf8)
        return withUnsafeBytes { bytes in
            SecureBytes(count: bytes.count * 2) { out in
                for (index, byte) in bytes.enumerated() {
                    out[2 * index] = digits[Int(byte >> 4)]
                    out[2 * index + 1] = digits[Int(byte & 0x0f)]
                }
            }
        }
    }
}
