/// A base64 decoder over raw bytes, so a sealed blob never passes through `Data` or `String`.
///
/// Accepts the standard and URL-safe alphabets, with or without `=` padding, and ignores
/// ASCII white space (line breaks in wrapped output). Anything else is an error.
public enum Base64 {
    /// The decoded bytes, or nil when `text` is not base64. The caller wipes the result if
    /// it is sensitive.
    public static func decode(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3 + 3)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        var symbols = 0
        for byte in text {
            switch byte {
            case 0x20, 0x09, 0x0a, 0x0d:
                continue
            case UInt8(ascii: "="):
                padding += 1
                guard padding <= 2 else { return nil }
                continue
            default:
                // No data after padding.
                guard padding == 0, let value = value(of: byte) else { return nil }
                accumulator = accumulator << 6 | UInt32(value)
                bits += 6
                symbols += 1
                if bits >= 8 {
                    bits -= 8
                    output.append(UInt8((accumulator >> UInt32(bits)) & 0xff))
                }
            }
        }
        // A lone symbol in the last group carries fewer than 8 bits: not base64.
        if symbols % 4 == 1 { return nil }
        if padding > 0, (symbols + padding) % 4 != 0 { return nil }
        return output
    }

    private static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"), UInt8(ascii: "-"): return 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): return 63
        default: return nil
        }
    }
}
