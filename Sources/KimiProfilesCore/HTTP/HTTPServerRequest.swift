/// A request received by `HTTPServer`, its body read in full (within the server's limit) into
/// wiped memory.
public struct HTTPServerRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: SecureBytes

    /// A request as received, or made up for a test.
    public init(head: HTTPRequestHead, body: SecureBytes) {
        self.head = head
        self.body = body
    }

    public var method: String { head.method }
    public var target: String { head.target }
    public var headers: HTTPHeaders { head.headers }
}
