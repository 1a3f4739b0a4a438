/// The HTTPS proxy that a client's environment asks for, and the hosts it exempts.
///
/// Read from `https_proxy`, then `HTTPS_PROXY` (curl's order), and `no_proxy`, then `NO_PROXY`.
/// The proxy must be `http://[user:password@]host[:port]` (a bare `host:port` is taken as
/// http://; the port defaults to 1080, as in curl). Requests reach it with `CONNECT`, and TLS
/// runs end to end through the tunnel, so the proxy sees host names but no content.
///
/// `no_proxy` is a comma-separated list: `*` exempts everything; `example.com` and
/// `.example.com` both exempt that host and its subdomains; a port or brackets in an entry are
/// ignored. Loopback hosts never use the proxy (the credential proxy and the tests' servers are
/// local), and neither does plain http, which is allowed only to them.
struct HTTPProxySettings: Sendable {
    struct Proxy: Sendable {
        let host: String
        let port: Int
        /// `Basic …` for `Proxy-Authorization`, when the URL carries a user.
        let authorization: Secret?

        /// `host:port`, for messages.
        var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// The variable that names the proxy, and its value (parsed only when a request needs it).
    private let setting: (variable: String, value: String)?
    /// Lowercased host suffixes, or `*`.
    let exemptions: [String]

    init(environment: [String: String]) {
        func variable(_ names: String...) -> (String, String)? {
            for name in names {
                if let value = environment[name]?.trimmingSpaces, !value.isEmpty { return (name, value) }
            }
            return nil
        }
        setting = variable("https_proxy", "HTTPS_PROXY")
        exemptions = variable("no_proxy", "NO_PROXY").map { Self.parseExemptions($0.1) } ?? []
    }

    /// The proxy to tunnel through for `url`, or nil to connect directly. A proxy setting that
    /// cannot be parsed is an error only for a request that would use it, so a broken
    /// `HTTPS_PROXY` never stops the loopback credential proxy or an exempt host.
    func proxy(for url: HTTPURL) throws(HTTPError) -> Proxy? {
        guard let setting, url.scheme == "https", !url.isLoopback, !isExempt(url.host) else { return nil }
        guard let proxy = Self.parseProxy(setting.value) else { throw .invalidProxy(variable: setting.variable) }
        return proxy
    }

    func isExempt(_ host: String) -> Bool {
        var host = host.lowercased()
        while host.hasSuffix(".") { host.removeLast() }
        return exemptions.contains { entry in
            entry == "*" || host == entry || host.hasSuffix("." + entry)
        }
    }

    private static func parseExemptions(_ list: String) -> [String] {
        list.split(separator: ",").compactMap { item in
            var entry = Substring(item.trimmingSpaces.lowercased())
            if entry == "*" { return "*" }
            if entry.hasPrefix("[") {
                entry = entry.dropFirst().prefix { $0 != "]" }
            } else if let colon = entry.firstIndex(of: ":"), entry.lastIndex(of: ":") == colon {
                entry = entry[..<colon]
            }
            if entry.hasPrefix("*.") { entry = entry.dropFirst() }
            while entry.hasPrefix(".") { entry = entry.dropFirst() }
            while entry.hasSuffix(".") { entry = entry.dropLast() }
            return entry.isEmpty ? nil : String(entry)
        }
    }

    private static func parseProxy(_ value: String) -> Proxy? {
        var text = value
        if let scheme = text.firstRange(of: "://") {
            guard text[..<scheme.lowerBound].lowercased() == "http" else { return nil }
            text = String(text[scheme.upperBound...])
        }
        while text.hasSuffix("/") { text.removeLast() }
        var authorization: Secret?
        if let at = text.lastIndex(of: "@") {
            authorization = basicCredentials(String(text[..<at]))
            guard authorization != nil else { return nil }
            text = String(text[text.index(after: at)...])
        }
        // Parse host and port with the URL rules, defaulting the port to curl's 1080.
        let hasPort = text.hasPrefix("[") ? text.contains("]:") : text.contains(":")
        guard let url = HTTPURL("http://" + text + (hasPort ? "" : ":1080")), url.target == "/" else { return nil }
        return Proxy(host: url.host, port: url.port, authorization: authorization)
    }

    /// `Basic base64(user:password)` from a URL's percent-encoded user information.
    private static func basicCredentials(_ userInfo: String) -> Secret? {
        guard var decoded = percentDecoded(userInfo) else { return nil }
        defer { decoded.withUnsafeMutableBytes { wipe($0) } }
        // Sized up front, so that no reallocation leaves an unwiped copy behind.
        var encoded: [UInt8] = []
        encoded.reserveCapacity(6 + (decoded.count + 2) / 3 * 4)
        encoded.append(contentsOf: "Basic ".utf8)
        appendBase64(decoded, to: &encoded)
        return Secret(SecureBytes(consuming: &encoded))
    }

    private static func percentDecoded(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    private static func appendBase64(_ bytes: [UInt8], to output: inout [UInt8]) {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value = 0
            for (offset, byte) in chunk.enumerated() { value |= Int(byte) << (16 - 8 * offset) }
            for position in 0..<4 {
                output.append(
                    position <= chunk.count ? alphabet[(value >> (18 - 6 * position)) & 63] : UInt8(ascii: "="))
            }
            index += 3
        }
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
