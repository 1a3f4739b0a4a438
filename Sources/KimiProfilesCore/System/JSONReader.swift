/// A value tree that `JSONReader` can build. `SecretJSON` keeps strings in wiped memory;
/// `JSONValue` keeps ordinary strings and tells integers from other numbers.
public protocol JSONTree {
    static func makeNull() -> Self
    static func makeBool(_ value: Bool) -> Self
    /// `text` is a number as RFC 8259 spells it (already checked); nil refuses the document.
    static func makeNumber(_ text: String) -> Self?
    /// The decoded bytes of a string; the reader wipes them once this returns.
    static func makeString(_ bytes: inout [UInt8]) -> Self
    static func makeArray(_ items: [Self]) -> Self
    /// Members in document order, duplicates included.
    static func makeObject(_ members: [(String, Self)]) -> Self
}

/// The one JSON reader (RFC 8259) behind `SecretJSON` and `JSONValue`: strict grammar, a
/// nesting limit, and no Foundation (its `JSONDecoder`, which `JSONValue` used, doubled the
/// binary and added about 70 page faults to every start; see BENCHMARKS.md). String bytes are
/// passed on as they are: invalid UTF-8 is not refused (`JSONValue` repairs it to U+FFFD).
public struct JSONReader<Tree: JSONTree> {
    private let bytes: UnsafeRawBufferPointer
    private let maxDepth: Int
    private var offset = 0

    /// Parses `bytes` as one JSON value with optional white space around it; nil when they
    /// are anything else or nest deeper than `maxDepth`.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) -> Tree? {
        var reader = JSONReader(bytes: bytes, maxDepth: maxDepth)
        guard let value = reader.value(depth: 0) else { return nil }
        reader.skipSpace()
        return reader.offset == bytes.count ? value : nil
    }

    private init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private mutating func skipSpace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d { offset += 1 }
    }

    private mutating func value(depth: Int) -> Tree? {
        guard depth < maxDepth else { return nil }
        skipSpace()
        switch current {
        case UInt8(ascii: "{")?: return object(depth: depth)
        case UInt8(ascii: "[")?: return array(depth: depth)
        case UInt8(ascii: "\"")?:
            guard var decoded = string() else { return nil }
            defer { decoded.withUnsafeMutableBytes { wipe($0) } }
            return Tree.makeString(&decoded)
        case UInt8(ascii: "t")?: return literal("true") ? Tree.makeBool(true) : nil
        case UInt8(ascii: "f")?: return literal("false") ? Tree.makeBool(false) : nil
        case UInt8(ascii: "n")?: return literal("null") ? Tree.makeNull() : nil
        case .some: return number()
        case nil: return nil
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard offset + count <= bytes.count else { return false }
        for index in 0..<count where bytes[offset + index] != word.utf8Start[index] { return false }
        offset += count
        return true
    }

    private mutating func digits() -> Int {
        let start = offset
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { offset += 1 }
        return offset - start
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() -> Tree? {
        let start = offset
        if current == UInt8(ascii: "-") { offset += 1 }
        if current == UInt8(ascii: "0") {
            offset += 1
        } else if digits() == 0 {
            return nil
        }
        if current == UInt8(ascii: ".") {
            offset += 1
            guard digits() > 0 else { return nil }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            offset += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
            guard digits() > 0 else { return nil }
        }
        return Tree.makeNumber(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self))
    }

    private mutating func array(depth: Int) -> Tree? {
        offset += 1
        var items: [Tree] = []
        skipSpace()
        if current == UInt8(ascii: "]") {
            offset += 1
            return Tree.makeArray(items)
        }
        while true {
            guard let item = value(depth: depth + 1) else { return nil }
            items.append(item)
            skipSpace()
            switch current {
            case UInt8(ascii: ",")?: offset += 1
            case UInt8(ascii: "]")?:
                offset += 1
                return Tree.makeArray(items)
            default: return nil
            }
        }
    }

    private mutating func object(depth: Int) -> Tree? {
        offset += 1
        var members: [(String, Tree)] = []
        skipSpace()
        if current == UInt8(ascii: "}") {
            offset += 1
            return Tree.makeObject(members)
        }
        while true {
            skipSpace()
            guard current == UInt8(ascii: "\""), var key = string() else { return nil }
            let name = String(decoding: key, as: UTF8.self)
            key.withUnsafeMutableBytes { wipe($0) }
            skipSpace()
            guard current == UInt8(ascii: ":") else { return nil }
            offset += 1
            guard let item = value(depth: depth + 1) else { return nil }
            members.append((name, item))
            skipSpace()
            switch current {
            case UInt8(ascii: ",")?: offset += 1
            case UInt8(ascii: "}")?:
                offset += 1
                return Tree.makeObject(members)
            default: return nil
            }
        }
    }

    /// Reads a string literal (at its opening quote) into a buffer reserved once at the
    /// literal's own length, so growing never leaves an unwiped copy of a token behind. The
    /// caller wipes the result.
    private mutating func string() -> [UInt8]? {
        offset += 1
        var end = offset
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1 }
        guard end < bytes.count else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(end - offset)
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            switch byte {
            case UInt8(ascii: "\""):
                return out
            case UInt8(ascii: "\\"):
                guard escape(into: &out) else {
                    out.withUnsafeMutableBytes { wipe($0) }
                    return nil
                }
            case 0..<0x20:
                out.withUnsafeMutableBytes { wipe($0) }
                return nil
            default:
                out.append(byte)
            }
        }
        out.withUnsafeMutableBytes { wipe($0) }
        return nil
    }

    /// Decodes the escape after a backslash; false when it is not one JSON allows.
    private mutating func escape(into out: inout [UInt8]) -> Bool {
        guard let escape = current else { return false }
        offset += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0c)
        case UInt8(ascii: "n"): out.append(0x0a)
        case UInt8(ascii: "r"): out.append(0x0d)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            guard var scalar = hex4() else { return false }
            if (0xD800..<0xDC00).contains(scalar) {
                guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u")
                else { return false }
                offset += 2
                guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return false }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { return false }
            // At most 4 bytes, and a \u escape is 6 or 12, so the reservation holds.
            UTF8.encode(unicode) { out.append($0) }
        default:
            return false
        }
        return true
    }

    private mutating func hex4() -> UInt32? {
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
