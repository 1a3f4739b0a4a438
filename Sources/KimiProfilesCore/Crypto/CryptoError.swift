/// A failure of the cryptographic layer. Never carries key or plaintext bytes.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The tag did not verify: wrong key, wrong associated data, or altered bytes.
    case authenticationFailed
    /// The sealed bytes are too short or carry an unknown version.
    case malformed
    /// libcrypto reported an internal failure in the named call.
    case library(String)

    public var description: String {
        switch self {
        case .authenticationFailed: return "authentication failed"
        case .malformed: return "malformed sealed data"
        case let .library(call): return "libcrypto failed in \(call)"
        }
    }
}
