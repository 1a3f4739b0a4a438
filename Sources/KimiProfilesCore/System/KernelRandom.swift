/// Random bytes from the kernel through Swift's `SystemRandomNumberGenerator` (`getrandom(2)`
/// on Linux), for values made on the `exec` path: temporary file names, placeholders and the
/// proxy's session secret. The kernel's generator is cryptographically secure; using it there
/// keeps OpenSSL's random generator, and its 2–3 ms of provider set-up, off the start of every
/// command. Vault keys and nonces come from `SecureRandom` (`RAND_bytes`).
public enum KernelRandom {
    /// Fills `buffer` with random bytes.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var generator = SystemRandomNumberGenerator()
        var offset = 0
        while offset < buffer.count {
            var word = generator.next()
            let count = min(8, buffer.count - offset)
            withUnsafeBytes(of: &word) { bytes in
                for index in 0..<count { buffer[offset + index] = bytes[index] }
            }
            word = 0
            offset += count
        }
    }

    /// `count` random bytes as lowercase hex.
    static func hex(count: Int) -> String {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { fill($0) }
        return Hex.encode(bytes)
    }
}
