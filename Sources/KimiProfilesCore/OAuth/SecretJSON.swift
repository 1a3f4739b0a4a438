/// A small JSON reader whose strings stay in wiped memory, for token responses: the access
/// and refresh tokens inside never become Swift `String`s (unlike `JSONDecoder`'s).
///
/// Numbers that arrive as strings (Kimi sends "900" as often as 900) are read by `number(_:)`.
public enum SecretJSON: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(Secret)
    case array([SecretJSON])
    case object([(String, SecretJSON)])

    /// Parses `bytes`; nil when they are not one JSON value (or nest deeper than 32).
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> SecretJSON? {
        JSONReader<SecretJSON>.parse(bytes, maxDepth: 32)
    }

    public static func parse(_ bytes: SecureBytes) -> SecretJSON? {
        bytes.withUnsafeBytes { parse($0) }
    }

    /// The member `key` of an object.
    public subscript(key: String) -> SecretJSON? {
        guard case let .object(members) = self else { return nil }
        // A repeated key keeps its last value, as JSONValue does.
        return members.last { $0.0 == key }?.1
    }

    /// A string member as a secret.
    public func secret(_ key: String) -> Secret? {
        if case let .string(value)? = self[key], !value.isEmpty { return value }
        return nil
    }

    /// A string member as text, for values that are not secret (error codes, URLs, user codes).
    public func text(_ key: String) -> String? {
        guard case let .string(value)? = self[key] else { return nil }
        return value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// A member that is a number, or a string holding a decimal number.
    public func number(_ key: String) -> Double? {
        switch self[key] {
        case let .number(value)?: return value
        case let .string(value)?:
            return value.withUnsafeBytes { Double(String(decoding: $0, as: UTF8.self)) }
        default: return nil
        }
    }
}

extension SecretJSON: JSONTree {
    public static func makeNull() -> SecretJSON { .null }
    public static func makeBool(_ value: Bool) -> SecretJSON { .bool(value) }
    public static func makeNumber(_ text: String) -> SecretJSON? { Double(text).map { .number($0) } }
    public static func makeString(_ bytes: inout [UInt8]) -> SecretJSON { .string(Secret(SecureBytes(consuming: &bytes))) }
    public static func makeArray(_ items: [SecretJSON]) -> SecretJSON { .array(items) }
    public static func makeObject(_ members: [(String, SecretJSON)]) -> SecretJSON { .object(members) }
}
