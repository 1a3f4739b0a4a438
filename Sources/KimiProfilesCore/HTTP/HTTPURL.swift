/// An absolute `http://` or `https://` URL, split into the parts a request needs.
///
/// Parsed here rather than with Foundation's `URL` so that the rules are the tool's own: no
/// user information, a host, an optional port, and a path that starts with `/`.
public struct HTTPURL: Sendable, Equatable, CustomStringConvertible {
    public let scheme: String
    /// The host without brackets (`::1`, not `[::1]`).
    public let host: String
    public let port: Int
    /// The path and query, starting with `/`.
    public let target: String

    /// Parses `text`; nil unless it is `http://` or `https://`, a host (a name, an IPv4 address or
    /// a bracketed IPv6 one), an optional decimal port, and a target of visible ASCII, which goes
    /// into the request line as it is (so spaces, controls and non-ASCII must be percent-encoded).
    public init?(_ text: String) {
        let lower = text.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") {
            scheme = "https"
        } else if lower.hasPrefix("http://") {
            scheme = "http"
        } else {
            return nil
        }
        let rest = text.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var target = String(rest.dropFirst(authority.count))
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        if authority.isEmpty || authority.contains("@") { return nil }
        var host = Substring(authority)
        var port = scheme == "https" ? 443 : 80
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            guard host.contains(":"), host.utf8.allSatisfy(Self.isIPv6Byte) else { return nil }
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Self.port(after.dropFirst()) else { return nil }
                port = number
            }
        } else {
            if let colon = host.lastIndex(of: ":") {
                guard let number = Self.port(host[host.index(after: colon)...]) else { return nil }
                port = number
                host = host[..<colon]
            }
            guard host.utf8.allSatisfy(Self.isHostByte) else { return nil }
        }
        // The target goes into the request line as it is: no spaces, controls or non-ASCII.
        guard !host.isEmpty, (1...65535).contains(port), target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port
        self.target = target
    }

    /// Decimal digits only (`Int` alone would take `+80`).
    private static func port(_ text: Substring) -> Int? {
        guard (1...5).contains(text.count), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    /// A registered name or IPv4 address: letters, digits, `-`, `.`, `_`, `~` (no percent
    /// escapes, no characters that could end a Host header).
    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default: return false
        }
    }

    /// Inside brackets: hexadecimal digits, colons and dots (no zone identifier).
    private static func isIPv6Byte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x46, 0x61...0x66, UInt8(ascii: ":"), UInt8(ascii: "."): return true
        default: return false
        }
    }

    /// Whether the host is 127.0.0.1, ::1 or localhost.
    public var isLoopback: Bool { Endpoint.isLoopback(authority: host.contains(":") ? "[\(host)]" : host) }

    /// `host` or `host:port` when the port is not the scheme's default, as a Host header wants.
    public var authority: String {
        let name = host.contains(":") ? "[\(host)]" : host
        let defaultPort = scheme == "https" ? 443 : 80
        return port == defaultPort ? name : "\(name):\(port)"
    }

    /// This URL with `path` appended to its path (no slash doubled).
    public func appending(_ path: String) -> HTTPURL {
        var base = target
        while base.hasSuffix("/") { base.removeLast() }
        let suffix = path.hasPrefix("/") ? path : "/" + path
        return HTTPURL("\(scheme)://\(authority)\(base)\(suffix)")!
    }

    public var description: String { "\(scheme)://\(authority)\(target)" }
}
