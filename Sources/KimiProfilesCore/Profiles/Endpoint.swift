/// Checks the URLs a profile may point at (SPEC §5): `https://` always, `http://` only for a
/// loopback host, so that tests can use local servers and nothing else is ever plain text.
public enum Endpoint {
    /// The URL without a trailing slash, or a description of what is wrong with it.
    public static func validate(_ url: String) -> Result<String, EndpointError> {
        var text = Substring(url)
        while text.hasSuffix("/") { text = text.dropLast() }
        let scheme: String
        if text.hasPrefix("https://") {
            scheme = "https"
        } else if text.hasPrefix("http://") {
            scheme = "http"
        } else {
            return .failure(.unsupportedScheme(url))
        }
        let rest = text.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" }
        if authority.isEmpty { return .failure(.missingHost(url)) }
        if authority.contains("@") || rest.contains("?") || rest.contains("#")
            || rest.contains(where: { $0 == " " || $0.isNewline })
        {
            return .failure(.malformed(url))
        }
        if scheme == "http", !isLoopback(authority: String(authority)) {
            return .failure(.plainHTTP(url))
        }
        return .success(String(text))
    }

    /// Whether `authority` (host, optionally with a port) is 127.0.0.1, localhost or [::1].
    public static func isLoopback(authority: String) -> Bool {
        var host = Substring(authority)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            host = host[host.index(after: host.startIndex)..<close]
            return host == "::1"
        }
        if let colon = host.firstIndex(of: ":") { host = host[..<colon] }
        return host == "127.0.0.1" || host.lowercased() == "localhost"
    }
}

/// Why a URL was refused.
public enum EndpointError: Error, Equatable, Sendable, CustomStringConvertible {
    case unsupportedScheme(String)
    case missingHost(String)
    case malformed(String)
    case plainHTTP(String)

    public var description: String {
        switch self {
        case let .unsupportedScheme(url): return "'\(url)' is not an https:// URL"
        case let .missingHost(url): return "'\(url)' has no host"
        case let .malformed(url):
            return "'\(url)' must be scheme://host[:port][/path] with no user, query or fragment"
        case let .plainHTTP(url):
            return "'\(url)' uses http://, which is allowed only for 127.0.0.1, localhost and [::1]"
        }
    }
}
