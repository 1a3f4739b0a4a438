/// Random bytes from the kernel through Swift's `SystemRandomNumberGenerator` (`getrandom(2)`
/// on Linux), for tokens that must not collide but seal nothing: temporary file names and
/// placeholders on the `exec` path. Keeping OpenSSL's random generator, and its 2–3 ms of
/// provider set-up, off that path is the point; keys and nonces come from `SecureRandom`
/// (`RAND_bytes`).
enum KernelRandom {
    /// `count` random bytes as lowercase hex.
    static func hex(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
