/// An `application/x-www-form-urlencoded` body built in wiped memory, since its values include
/// refresh tokens and device codes. Percent-encodes everything outside RFC 3986's unreserved
/// set (LINUX-NOTES 14: Foundation's query set leaves `&`, `=` and `+` alone).
public struct FormBody {
    private var fields: [(String, Secret)] = []

    public init() {}

    public mutating func add(_ name: String, _ value: String) { fields.append((name, Secret(value))) }
    public mutating func add(_ name: String, secret: Secret) { fields.append((name, secret)) }

    /// The encoded body.
    public func encoded() -> SecureBytes {
        var pieces: [(name: [UInt8], value: Secret)] = fields.map { (Array($0.0.utf8), $0.1) }
        let total = pieces.enumerated().reduce(0) { sum, item in
            let (index, piece) = item
            let nameLength = piece.name.reduce(0) { $0 + Self.encodedLength($1) }
            let valueLength = piece.value.withUnsafeBytes { $0.reduce(0) { $0 + Self.encodedLength($1) } }
            return sum + (index > 0 ? 1 : 0) + nameLength + 1 + valueLength
        }
        let body = SecureBytes(count: total) { out in
            var offset = 0
            for (index, piece) in pieces.enumerated() {
                if index > 0 {
                    out[offset] = UInt8(ascii: "&")
                    offset += 1
                }
                for byte in piece.name { Self.encode(byte, into: out, at: &offset) }
                out[offset] = UInt8(ascii: "=")
                offset += 1
                piece.value.withUnsafeBytes { value in
                    for byte in value { Self.encode(byte, into: out, at: &offset) }
                }
            }
        }
        pieces.removeAll()
        return body
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func encodedLength(_ byte: UInt8) -> Int { isUnreserved(byte) ? 1 : 3 }

    private static func encode(_ byte: UInt8, into out: UnsafeMutableRawBufferPointer, at offset: inout Int) {
        if isUnreserved(byte) {
            out[offset] = byte
            offset += 1
            return
        }
        let digits = Array("0123456789ABCDEF".utf8)
        out[offset] = UInt8(ascii: "%")
        out[offset + 1] = digits[Int(byte >> 4)]
        out[offset + 2] = digits[Int(byte & 0x0f)]
        offset += 3
    }
}
