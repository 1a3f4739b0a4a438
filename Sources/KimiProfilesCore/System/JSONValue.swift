/// Any JSON value, for documents whose shape this tool does not own (the caller's
/// `OPENCODE_CONFIG_CONTENT`) and must pass through with its other keys intact.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses `text`; nil when it is not JSON.
    public static func parse(_ text: String) -> JSONValue? {
        var text = text
        return text.withUTF8 { JSONReader<JSONValue>.parse(UnsafeRawBufferPointer($0), maxDepth: 128) }
    }

    /// Compact text with sorted keys and unescaped slashes.
    ///
    /// Written by hand rather than with `JSONEncoder`, which costs about half a million
    /// instructions on the `exec` path for this one small document.
    public func serialized() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(into out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case let .bool(value): out += Array((value ? "true" : "false").utf8)
        case let .integer(value): out += Array(String(value).utf8)
        case let .number(value):
            // A parsed number too large for a double (1e400) is infinite; null keeps the output valid.
            let text = !value.isFinite ? "null" : value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
            out += Array(text.utf8)
        case let .string(value): Self.writeString(value, into: &out)
        case let .array(items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(members):
            out.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                members[key]!.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var utf8 = Array(text.utf8)
        utf8.withUnsafeBytes { bytes in
            let start = out.count
            out += [UInt8](repeating: 0, count: JSONEscaping.escapedCount(bytes))
            out.withUnsafeMutableBytes { buffer in
                var offset = start
                JSONEscaping.escape(bytes, into: buffer, at: &offset)
            }
        }
        utf8.removeAll()
        out.append(UInt8(ascii: "\""))
    }

    /// The member `key` of an object, nil for other values.
    public subscript(key: String) -> JSONValue? {
        if case let .object(members) = self { return members[key] }
        return nil
    }
}

extension JSONValue: JSONTree {
    public static func makeNull() -> JSONValue { .null }
    public static func makeBool(_ value: Bool) -> JSONValue { .bool(value) }

    /// An integer when the text has no fraction or exponent and fits in 64 bits, so that
    /// large ids pass through unchanged; any other number as a double.
    public static func makeNumber(_ text: String) -> JSONValue? {
        if !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }),
            let integer = Int64(text)
        {
            return .integer(integer)
        }
        return Double(text).map { .number($0) }
    }

    public static func makeString(_ bytes: inout [UInt8]) -> JSONValue { .string(String(decoding: bytes, as: UTF8.self)) }
    public static func makeArray(_ items: [JSONValue]) -> JSONValue { .array(items) }

    /// A repeated key keeps its last value, as most readers do.
    public static func makeObject(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(Dictionary(members, uniquingKeysWith: { _, last in last }))
    }
}
