/// Parses an HTTP/1.1 message head (start line and header fields) from a byte buffer.
///
/// Works on bytes alone, with no socket, so that it can be tested split at every byte and fuzzed.
/// Feed it the bytes received so far; it answers nil until the blank line that ends the head
/// has arrived, then the head and its length in bytes (what follows is the body). It remembers
/// how far it has searched, so feeding a growing buffer costs linear time overall.
///
/// Strict where leniency lets two parsers disagree (request smuggling): folded lines, space
/// before the colon, control characters and a bare CR are errors. Lines may end in CRLF or a
/// bare LF (RFC 9112 §2.2 allows accepting LF). Header values become `Secret`s straight from the
/// bytes, never passing through `String`.
struct HTTPHeadParser {
    enum Kind: Sendable {
        case request
        case response
    }

    enum Head {
        case request(HTTPRequestHead)
        case response(HTTPResponseHead)
    }

    let kind: Kind
    /// The largest head accepted, blank line included.
    let maxBytes: Int
    /// The most header fields accepted.
    let maxFields: Int

    /// Bytes already searched for the blank line.
    private var scanned = 0
    /// Where the line being searched began.
    private var lineStart = 0

    init(kind: Kind, maxBytes: Int = 64 * 1024, maxFields: Int = 100) {
        self.kind = kind
        self.maxBytes = maxBytes
        self.maxFields = maxFields
    }

    /// The head at the start of `bytes` and its length, or nil when more bytes are needed.
    /// `bytes` must start with the same bytes as at the previous call (it may have grown).
    mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> (head: Head, length: Int)? {
        guard let end = findEnd(bytes) else {
            if bytes.count > maxBytes { throw .headTooLarge(limit: maxBytes) }
            return nil
        }
        if end > maxBytes { throw .headTooLarge(limit: maxBytes) }
        let head = try parseHead(UnsafeRawBufferPointer(rebasing: bytes[0..<end]))
        scanned = 0
        lineStart = 0
        return (head, end)
    }

    /// The offset just past the blank line, if it has arrived.
    private mutating func findEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var index = scanned
        while index < bytes.count {
            if bytes[index] == lf {
                let lineLength = index - lineStart
                // A blank line ends the head. (A blank *first* line ends it too, and then
                // fails as an invalid start line.)
                if lineLength == 0 || (lineLength == 1 && bytes[lineStart] == cr) { return index + 1 }
                lineStart = index + 1
            }
            index += 1
        }
        scanned = index
        return nil
    }

    private func parseHead(_ head: UnsafeRawBufferPointer) throws(HTTPParseError) -> Head {
        var lines: [UnsafeRawBufferPointer] = []
        var start = 0
        for index in 0..<head.count where head[index] == lf {
            var end = index
            if end > start, head[end - 1] == cr { end -= 1 }
            lines.append(UnsafeRawBufferPointer(rebasing: head[start..<end]))
            start = index + 1
        }
        // The last line is the blank one.
        lines.removeLast()
        guard let startLine = lines.first, !startLine.isEmpty else { throw .invalidStartLine }
        if lines.count - 1 > maxFields { throw .tooManyHeaders(limit: maxFields) }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            let field = try parseField(line)
            headers.add(field.name, secret: field.value)
        }
        switch kind {
        case .request:
            let (method, target, version) = try parseRequestLine(startLine)
            return .request(HTTPRequestHead(method: method, target: target, version: version, headers: headers))
        case .response:
            let (status, reason) = try parseStatusLine(startLine)
            return .response(HTTPResponseHead(status: status, reason: reason, headers: headers))
        }
    }

    /// `method SP target SP HTTP/1.x`, single spaces.
    private func parseRequestLine(_ line: UnsafeRawBufferPointer) throws(HTTPParseError) -> (String, String, String) {
        let parts = line.split(separator: space, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .invalidStartLine }
        let method = parts[0]
        let target = parts[1]
        guard !method.isEmpty, method.allSatisfy(isTokenByte) else { throw .invalidStartLine }
        guard !target.isEmpty, target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw .invalidStartLine }
        let version = try parseVersion(parts[2])
        return (ascii(method), ascii(target), version)
    }

    /// `HTTP/1.x SP 3DIGIT [SP reason]` (servers that omit the space after the code exist).
    private func parseStatusLine(_ line: UnsafeRawBufferPointer) throws(HTTPParseError) -> (Int, String) {
        guard let firstSpace = line.firstIndex(of: space) else { throw .invalidStartLine }
        _ = try parseVersion(line[..<firstSpace])
        let rest = line[(firstSpace + 1)...]
        let code = rest.prefix(3)
        guard code.count == 3, code.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), code.first! != 0x30 else {
            throw .invalidStartLine
        }
        let status = code.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        let afterCode = rest.dropFirst(3)
        var reason = ""
        if let separator = afterCode.first {
            guard separator == space else { throw .invalidStartLine }
            let text = afterCode.dropFirst()
            guard text.allSatisfy({ $0 == tab || ($0 >= 0x20 && $0 != 0x7F) }) else { throw .invalidStartLine }
            reason = String(decoding: text, as: UTF8.self)
        }
        return (status, reason)
    }

    private func parseVersion(_ bytes: Slice<UnsafeRawBufferPointer>) throws(HTTPParseError) -> String {
        let text = Array(bytes)
        let prefix = Array("HTTP/".utf8)
        guard text.count == 8, Array(text[0..<5]) == prefix, text[6] == 0x2E,
            (0x30...0x39).contains(text[5]), (0x30...0x39).contains(text[7])
        else { throw .invalidStartLine }
        guard text[5] == 0x31 else { throw .unsupportedVersion }
        return text[7] == 0x30 ? "HTTP/1.0" : "HTTP/1.1"
    }

    private func parseField(_ line: UnsafeRawBufferPointer) throws(HTTPParseError) -> (name: String, value: Secret) {
        guard let first = line.first else { throw .invalidHeaderName }
        if first == space || first == tab { throw .obsoleteLineFolding }
        guard let colon = line.firstIndex(of: colonByte) else { throw .invalidHeaderName }
        let nameBytes = line[..<colon]
        guard !nameBytes.isEmpty, nameBytes.allSatisfy(isTokenByte) else { throw .invalidHeaderName }
        let name = ascii(nameBytes)
        var start = colon + 1
        var end = line.count
        while start < end, line[start] == space || line[start] == tab { start += 1 }
        while end > start, line[end - 1] == space || line[end - 1] == tab { end -= 1 }
        let value = UnsafeRawBufferPointer(rebasing: line[start..<end])
        // Field content: visible ASCII, obs-text (0x80–0xFF), and inner spaces and tabs.
        guard value.allSatisfy({ $0 == tab || ($0 >= 0x20 && $0 != 0x7F) }) else {
            throw .invalidHeaderValue(name: name)
        }
        return (name, Secret(SecureBytes(copying: value)))
    }

    private func ascii<S: Sequence<UInt8>>(_ bytes: S) -> String {
        String(decoding: Array(bytes), as: UTF8.self)
    }
}

private let lf: UInt8 = 0x0A
private let cr: UInt8 = 0x0D
private let space: UInt8 = 0x20
private let tab: UInt8 = 0x09
private let colonByte: UInt8 = 0x3A

/// RFC 9110 `tchar`: the bytes allowed in a method or a header name.
func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
        UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
        UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        return true
    default: return false
    }
}
