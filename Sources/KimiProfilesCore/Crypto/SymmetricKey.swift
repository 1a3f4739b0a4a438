/// A 256-bit AES key held in wiped memory.
public struct SymmetricKey: Sendable, CustomStringConvertible {
    public static let byteCount = 32
    let storage: SecureBytes

    /// Fails unless exactly 32 bytes are given.
    public init?(_ storage: SecureBytes) {
        guard storage.count == Self.byteCount else { return nil }
        self.storage = storage
    }

    public var description: String { "<redacted key>" }
}
