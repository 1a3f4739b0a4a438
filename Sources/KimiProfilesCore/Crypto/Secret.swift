/// A credential (API key, access or refresh token, account label) that never prints itself.
///
/// `description`, `debugDescription` and the mirror all say `<redacted>`, so a secret that
/// slips into string interpolation, a log line or a test failure shows nothing. The bytes are
/// reached only through `withUnsafeBytes`, for the few places whose job is to use them.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let storage: SecureBytes

    /// Wraps bytes that are already in secure storage.
    public init(_ storage: SecureBytes) { self.storage = storage }

    /// Copies the UTF-8 of a string literal; for tests and fixed values only, since a Swift
    /// `String` cannot be wiped.
    public init(_ text: String) {
        var bytes = Array(text.utf8)
        storage = SecureBytes(consuming: &bytes)
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.count == 0 }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    public func withUnsafeBytes<R, E: Error>(
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        try storage.withUnsafeBytes(body)
    }

    /// Whether the bytes start with `prefix` (for example `sk-kimi-`).
    public func hasPrefix(_ prefix: String) -> Bool {
        let expected = Array(prefix.utf8)
        return storage.withUnsafeBytes { bytes in
            bytes.count >= expected.count && zip(bytes, expected).allSatisfy { $0 == $1 }
        }
    }

    /// Constant-time equality, so comparing a presented secret leaks no prefix length.
    public static func == (lhs: Secret, rhs: Secret) -> Bool {
        lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in constantTimeEquals(a, b) } }
    }
}
