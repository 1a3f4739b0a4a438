/// Writes request and response heads into a wiped `ByteBuffer`.
///
/// Header values are copied byte for byte from their `Secret`s: a credential in
/// `Authorization` never becomes a `String`. Names and values are checked first, so that no
/// caller can split a head by smuggling CR or LF into it. The fields that frame the message
/// (`Host`, `Content-Length`, `Transfer-Encoding`, `Connection`) are written by this layer
/// alone; a caller's copies are dropped.
enum HTTPHeadWriter {
    static let managedFields: Set<String> = ["host", "content-length", "transfer-encoding", "connection"]

    /// Why a head cannot be written: a clause naming the offending part, never a value.
    struct Invalid: Error {
        let what: String
    }

    /// `METHOD target HTTP/1.1`, `Host`, the caller's fields, `User-Agent` unless the caller set
    /// one, `Content-Length` when there is a body (or the method expects one), and
    /// `Connection: close` unless `tunnel` (CONNECT asks for a connection that stays open).
    static func request(
        method: String, target: String, authority: String, headers: HTTPHeaders, bodyLength: Int?,
        userAgent: String, tunnel: Bool = false, into buffer: ByteBuffer
    ) throws(Invalid) {
        guard !method.isEmpty, method.utf8.allSatisfy(isTokenByte) else { throw Invalid(what: "method") }
        guard !target.isEmpty, target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw Invalid(what: "request target")
        }
        guard authority.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw Invalid(what: "host") }
        buffer.append("\(method) \(target) HTTP/1.1\r\nHost: \(authority)\r\n")
        try fields(headers, into: buffer)
        if !headers.contains("user-agent"), !userAgent.isEmpty {
            guard isValidValue(userAgent.utf8) else { throw Invalid(what: "user agent") }
            buffer.append("User-Agent: \(userAgent)\r\n")
        }
        if let bodyLength {
            buffer.append("Content-Length: \(bodyLength)\r\n")
        } else if ["POST", "PUT", "PATCH"].contains(method) {
            buffer.append("Content-Length: 0\r\n")
        }
        buffer.append(tunnel ? "\r\n" : "Connection: close\r\n\r\n")
    }

    /// `HTTP/1.1 status reason`, the caller's fields, the framing's field and `Connection: close`.
    static func response(
        status: Int, headers: HTTPHeaders, framing: HTTPBodyFraming, into buffer: ByteBuffer
    ) throws(Invalid) {
        guard (100...999).contains(status) else { throw Invalid(what: "status \(status)") }
        buffer.append("HTTP/1.1 \(status) \(reasonPhrase(status))\r\n")
        try fields(headers, into: buffer)
        switch framing {
        case let .contentLength(length): buffer.append("Content-Length: \(length)\r\n")
        case .chunked: buffer.append("Transfer-Encoding: chunked\r\n")
        case .none, .untilClose: break
        }
        buffer.append("Connection: close\r\n\r\n")
    }

    private static func fields(_ headers: HTTPHeaders, into buffer: ByteBuffer) throws(Invalid) {
        for field in headers.fields {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(isTokenByte) else {
                throw Invalid(what: "header name")
            }
            if managedFields.contains(field.name.lowercased()) { continue }
            guard field.value.withUnsafeBytes({ isValidValue($0) }) else {
                throw Invalid(what: "value of header '\(field.name)'")
            }
            buffer.append(field.name)
            buffer.append(": ")
            buffer.append(field.value)
            buffer.append("\r\n")
        }
    }

    /// Field content: no control characters but tab, and no leading or trailing whitespace
    /// (which a reader would strip, changing the value).
    private static func isValidValue<C: Collection<UInt8>>(_ value: C) -> Bool {
        if let first = value.first, first == 0x20 || first == 0x09 { return false }
        var last: UInt8 = 0
        for byte in value {
            if (byte < 0x20 && byte != 0x09) || byte == 0x7F { return false }
            last = byte
        }
        return last != 0x20 && last != 0x09
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Content Too Large"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return "Status"
        }
    }
}
