/// The request line and headers of a request received by `HTTPServer`.
public struct HTTPRequestHead: Sendable {
    /// The method as sent (`GET`, `POST`, …); methods are case-sensitive.
    public var method: String
    /// The request target as sent: usually a path and query (`/coding/v1/messages?beta=true`), but
    /// a client may send an absolute URL, `host:port` (CONNECT) or `*`; the handler decides.
    public var target: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String
    public var headers: HTTPHeaders

    /// A head as parsed, or made up for a test.
    public init(method: String, target: String, version: String = "HTTP/1.1", headers: HTTPHeaders = HTTPHeaders()) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
    }
}
