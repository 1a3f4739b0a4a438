/// The rule for profile names (SPEC §4): 1–64 characters of `A–Z a–z 0–9 . _ -`, not starting
/// with `-` or `.`. Names reach file contents, shell completions and messages, so they are kept
/// to characters that need no quoting anywhere.
public enum ProfileName {
    public static let maximumLength = 64

    /// Why `name` is not a valid profile name, or nil when it is.
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "a profile name cannot be empty" }
        let bytes = Array(name.utf8)
        if bytes.count > maximumLength {
            return "a profile name has at most \(maximumLength) characters"
        }
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: ".") {
            return "a profile name cannot start with '-' or '.'"
        }
        for byte in bytes where !isAllowed(byte) {
            return "a profile name may hold only letters, digits, '.', '_' and '-'"
        }
        return nil
    }

    public static func isValid(_ name: String) -> Bool { problem(with: name) == nil }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
