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
        var parser = Parser(bytes: bytes)
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipSpace()
        return parser.offset == bytes.count ? value : nil
    }

    public static func parse(_ bytes: SecureBytes) -> SecretJSON? {
        bytes.withUnsafeBytes { parse($0) }
    }

    /// The member `key` of an object.
    public subscript(key: String) -> SecretJSON? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.0 == key }?.1
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

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func skipSpace() {
            while offset < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[offset]) { offset += 1 }
        }

        mutating func value(depth: Int) -> SecretJSON? {
            guard depth < 32 else { return nil }
            skipSpace()
            guard offset < bytes.count else { return nil }
            switch bytes[offset] {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string().map { .string(Secret($0)) }
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            default: return number()
            }
        }

        mutating func literal(_ word: String, _ value: SecretJSON) -> SecretJSON? {
            let expected = Array(word.utf8)
            guard offset + expected.count <= bytes.count else { return nil }
            for (index, byte) in expected.enumerated() where bytes[offset + index] != byte { return nil }
            offset += expected.count
            return value
        }

        mutating func number() -> SecretJSON? {
            let start = offset
            while offset < bytes.count, "+-0123456789.eE".utf8.contains(bytes[offset]) { offset += 1 }
            guard offset > start else { return nil }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
            return Double(text).map { .number($0) }
        }

        mutating func array(depth: Int) -> SecretJSON? {
            offset += 1
            var items: [SecretJSON] = []
            skipSpace()
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
                offset += 1
                return .array(items)
            }
            while true {
                guard let item = value(depth: depth + 1) else { return nil }
                items.append(item)
                skipSpace()
                guard offset < bytes.count else { return nil }
                if bytes[offset] == UInt8(ascii: ",") { offset += 1; continue }
                if bytes[offset] == UInt8(ascii: "]") { offset += 1; return .array(items) }
                return nil
            }
        }

        mutating func object(depth: Int) -> SecretJSON? {
            offset += 1
            var members: [(String, SecretJSON)] = []
            skipSpace()
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
                offset += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\""), let key = string()
                else { return nil }
                skipSpace()
                guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else { return nil }
                offset += 1
                guard let item = value(depth: depth + 1) else { return nil }
                members.append((key.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }, item))
                skipSpace()
                guard offset < bytes.count else { return nil }
                if bytes[offset] == UInt8(ascii: ",") { offset += 1; continue }
                if bytes[offset] == UInt8(ascii: "}") { offset += 1; return .object(members) }
                return nil
            }
        }

        /// Reads a string literal (at its opening quote) into wiped memory.
        mutating func string() -> SecureBytes? {
            offset += 1
            // Reserved once, so that growing never leaves an unwiped copy of a token behind.
            var out = [UInt8]()
            out.reserveCapacity(bytes.count - offset)
            defer { out.withUnsafeMutableBytes { wipe($0) } }
            while offset < bytes.count {
                let byte = bytes[offset]
                offset += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return SecureBytes(consuming: &out)
                case UInt8(ascii: "\\"):
                    guard offset < bytes.count else { return nil }
                    let escape = bytes[offset]
                    offset += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0c)
                    case UInt8(ascii: "n"): out.append(0x0a)
                    case UInt8(ascii: "r"): out.append(0x0d)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard var scalar = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"),
                                bytes[offset + 1] == UInt8(ascii: "u")
                            else { return nil }
                            offset += 2
                            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { return nil }
                        out.append(contentsOf: Array(String(Character(unicode)).utf8))
                    default:
                        return nil
                    }
                case 0..<0x20:
                    return nil
                default:
                    out.append(byte)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard offset + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[offset]
                offset += 1
                let digit: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
                default: return nil
                }
                value = value << 4 | digit
            }
            return value
        }
    }
}
