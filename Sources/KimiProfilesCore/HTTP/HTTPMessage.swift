/// An HTTP/1.1 header list. Values are kept in wiped memory because some carry credentials
/// (`Authorization`, `x-api-key`); names are plain text. Order and duplicates are preserved.
public struct HTTPHeaders: Sendable {
    public struct Field: Sendable {
        public let name: String
        public let value: Secret
    }

    public private(set) var fields: [Field] = []

    public init() {}

    public init(_ pairs: [(String, String)]) {
        for (name, value) in pairs { add(name, value) }
    }

    /// Appends a header whose value is not secret.
    public mutating func add(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: Secret(value)))
    }

    /// Appends a header whose value is secret.
    public mutating func add(_ name: String, secret: Secret) {
        fields.append(Field(name: name, value: secret))
    }

    /// Appends `Authorization: Bearer <token>`, built in wiped memory.
    public mutating func addBearer(_ token: Secret) {
        let prefix = Array("Bearer ".utf8)
        let value = token.withUnsafeBytes { bytes in
            SecureBytes(count: prefix.count + bytes.count) { out in
                out.copyBytes(from: prefix)
                UnsafeMutableRawBufferPointer(rebasing: out[prefix.count...]).copyMemory(from: bytes)
            }
        }
        add("Authorization", secret: Secret(value))
    }

    /// Removes every header called `name` (case-insensitive).
    public mutating func remove(_ name: String) {
        let lowered = name.lowercased()
        fields.removeAll { $0.name.lowercased() == lowered }
    }

    /// Replaces every header called `name` with one value.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    /// The first value of `name` as text, for headers that are not secret
    /// (`Content-Type`, `Date`, `Retry-After`, …).
    public func value(_ name: String) -> String? {
        let lowered = name.lowercased()
        guard let field = fields.first(where: { $0.name.lowercased() == lowered }) else { return nil }
        return field.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Every value of `name`, as secrets.
    public func secrets(_ name: String) -> [Secret] {
        let lowered = name.lowercased()
        return fields.filter { $0.name.lowercased() == lowered }.map(\.value)
    }

    public func contains(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return fields.contains { $0.name.lowercased() == lowered }
    }
}

/// A request to send. The body may hold a credential (a refresh token in a form), so it is
/// wiped memory too.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: HTTPURL
    public var headers: HTTPHeaders
    public var body: SecureBytes?

    public init(method: String, url: HTTPURL, headers: HTTPHeaders = HTTPHeaders(), body: SecureBytes? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// The status line and headers of a response.
public struct HTTPResponseHead: Sendable {
    public var status: Int
    public var reason: String
    public var headers: HTTPHeaders

    public init(status: Int, reason: String = "", headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.reason = reason
        self.headers = headers
    }
}

/// A whole response, its body read into wiped memory (it may hold tokens).
public struct HTTPResponse: Sendable {
    public var head: HTTPResponseHead
    public var body: SecureBytes

    public init(head: HTTPResponseHead, body: SecureBytes) {
        self.head = head
        self.body = body
    }

    public var status: Int { head.status }
}

/// Sends one request and returns the whole response: the seam through which OAuth, usage and
/// the proxy reach the network, so tests can script replies (as SwiftPM's `HTTPClient` takes
/// its transport as a closure).
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) throws -> HTTPResponse
}
