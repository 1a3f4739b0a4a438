/// How a message's body is delimited (RFC 9112 §6.3), decided from its head.
///
/// The rules are stricter than the RFC's where a disagreement between two parsers could be
/// abused: a message with both Content-Length and Transfer-Encoding is refused rather than
/// letting one win, as are differing Content-Length values and any transfer coding but `chunked`.
enum HTTPBodyFraming: Equatable, Sendable {
    /// No body at all.
    case none
    case contentLength(Int)
    case chunked
    /// The body runs until the server closes the connection (responses only).
    case untilClose

    /// The framing of a response to a `requestMethod` request.
    static func response(_ head: HTTPResponseHead, requestMethod: String) throws(HTTPParseError) -> HTTPBodyFraming {
        if requestMethod == "HEAD" || (100..<200).contains(head.status) || head.status == 204 || head.status == 304 {
            return .none
        }
        return try framing(head.headers) ?? .untilClose
    }

    /// The framing of a request's body (none when it declares neither length nor chunks).
    static func request(_ head: HTTPRequestHead) throws(HTTPParseError) -> HTTPBodyFraming {
        try framing(head.headers) ?? .none
    }

    private static func framing(_ headers: HTTPHeaders) throws(HTTPParseError) -> HTTPBodyFraming? {
        let encodings = headers.fields.filter { $0.name.lowercased() == "transfer-encoding" }
        let lengths = headers.fields.filter { $0.name.lowercased() == "content-length" }
        if !encodings.isEmpty, !lengths.isEmpty { throw .contentLengthWithTransferEncoding }
        if !encodings.isEmpty {
            let codings = encodings.flatMap { field in
                field.value.withUnsafeBytes { list($0) }.map { $0.lowercased() }
            }
            guard codings == ["chunked"] else { throw .unsupportedTransferEncoding }
            return .chunked
        }
        if !lengths.isEmpty {
            var length: Int?
            for field in lengths {
                for item in field.value.withUnsafeBytes({ list($0) }) {
                    guard !item.isEmpty, item.count <= 18, item.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                        let value = Int(item)
                    else { throw .invalidContentLength }
                    if let length, length != value { throw .conflictingContentLength }
                    length = value
                }
            }
            return .contentLength(length!)
        }
        return nil
    }

    /// The items of a comma-separated header value, trimmed (empty items kept, so `1,,1` fails).
    private static func list(_ value: UnsafeRawBufferPointer) -> [String] {
        value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map { item in
            var slice = item
            while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
            while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
            return String(decoding: slice, as: UTF8.self)
        }
    }
}
