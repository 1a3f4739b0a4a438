/// The project's HTTP/1.1 client: one request per connection, TLS through libssl, an optional
/// `CONNECT` tunnel through `HTTPS_PROXY`, and a deadline on every wait.
///
/// Blocking by design: its callers are the synchronous CLI and, later, the credential proxy's
/// own connection threads. Each call opens a connection, sends `Connection: close`, reads the
/// response and closes, so there is no pool to share: the only state, the TLS context, is made
/// on first use and kept for the client's life.
///
/// - Plain `http://` is refused for every host but 127.0.0.1, ::1 and localhost (and a
///   `localhost` that resolves elsewhere), before anything is resolved or connected.
/// - TLS 1.2 or newer; the chain is verified against the system trust store (honouring
///   `SSL_CERT_FILE`/`SSL_CERT_DIR` from the configuration's environment) plus `trustRoots`, and
///   the certificate must name the host (or its IP address). SNI is sent for names.
/// - Redirects are not followed: a 3xx is returned like any other status.
/// - SIGPIPE cannot strike: plain writes use `MSG_NOSIGNAL`, TLS writes go through `SocketBIO`,
///   which does the same.
public final class HTTPClient: HTTPTransport, @unchecked Sendable {
    // Mutable state is only the lazily built TLS context, guarded by `lock`.
    public let configuration: HTTPClientConfiguration
    private let lock = Lock()
    private var builtContext: TLSContext?

    /// A client with `configuration`. Nothing is opened or loaded until the first request.
    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        self.configuration = configuration
    }

    /// Sends `request` and reads the whole response; a body larger than
    /// `configuration.maxBodyBytes` is refused. The body is kept in wiped memory.
    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        let total = Deadline.after(configuration.totalTimeout)
        let body = ByteBuffer()
        var responseHead: HTTPResponseHead?
        try exchange(
            request, total: total, bodyLimit: configuration.maxBodyBytes, bodyUsesTotal: true,
            head: { responseHead = $0 }, body: { body.append($0) })
        return HTTPResponse(head: responseHead!, body: body.secureCopy())
    }

    /// Sends `request`, hands the response head to `head`, then each run of body bytes to `body`
    /// as soon as it arrives (for server-sent events); nothing is gathered. The bytes are valid
    /// only during the call. An error thrown by either closure ends the exchange and is
    /// rethrown as it is.
    public func stream(
        _ request: HTTPRequest, head: (HTTPResponseHead) throws -> Void,
        body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try exchange(
            request, total: Deadline.after(configuration.totalTimeout), bodyLimit: nil, bodyUsesTotal: false,
            head: head, body: body)
    }

    // MARK: - The exchange

    private func exchange(
        _ request: HTTPRequest, total: Deadline, bodyLimit: Int?, bodyUsesTotal: Bool,
        head onHead: (HTTPResponseHead) throws -> Void, body onBody: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let url = request.url
        let host = url.host
        if url.scheme == "http", !url.isLoopback { throw HTTPError.plainHTTP(host: host) }
        let proxy = try HTTPProxySettings(environment: configuration.environment).proxy(for: url)
        let requestHead = ByteBuffer()
        do {
            try HTTPHeadWriter.request(
                method: request.method, target: url.target, authority: url.authority, headers: request.headers,
                bodyLength: request.body?.count, userAgent: configuration.userAgent, into: requestHead)
        } catch {
            throw HTTPError.invalidRequest(error.what)
        }

        // Built before connecting, so that a bad trust store fails without touching the network.
        let tls = url.scheme == "https" ? try tlsContext() : nil
        let stream = try connect(to: url, through: proxy, tls: tls, total: total)
        defer { stream.close() }

        func waitDeadline(useTotal: Bool = true) -> Deadline {
            let idle = Deadline.after(configuration.readTimeout)
            return useTotal ? min(idle, total) : idle
        }
        var sendFailure: TransportError?
        do {
            try write(requestHead, body: request.body, to: stream, deadline: { waitDeadline() })
        } catch {
            // A server may answer and close before reading all of the request (a 413, say):
            // the reply is worth more than the broken pipe.
            guard error == .closed else { throw Self.describe(error, phase: .sendingRequest, host: host) }
            sendFailure = error
        }

        var phase = HTTPError.Phase.waitingForResponse
        do {
            let input = HTTPInput(stream: stream)
            var parser = HTTPHeadParser(kind: .response, maxBytes: configuration.maxHeaderBytes)
            var responseHead: HTTPResponseHead
            repeat {
                guard case let .response(next) = try input.readHead(&parser, deadline: { waitDeadline() }) else {
                    preconditionFailure("a response parser returned a request")
                }
                responseHead = next
            } while (100..<200).contains(responseHead.status) && responseHead.status != 101
            let framing = try HTTPBodyFraming.response(responseHead, requestMethod: request.method)
            try onHead(responseHead)
            phase = .readingBody
            try input.readBody(
                framing, limit: bodyLimit, deadline: { waitDeadline(useTotal: bodyUsesTotal) }, emit: onBody)
        } catch let error as TransportError {
            if let sendFailure, phase == .waitingForResponse {
                throw Self.describe(sendFailure, phase: .sendingRequest, host: host)
            }
            throw Self.describe(error, phase: phase, host: host)
        } catch let error as HTTPParseError {
            throw Self.describe(error, host: host)
        }
    }

    /// Writes the head and the body; a small body travels in the same write as the head. A large
    /// one goes in pieces, each with its own deadline, so that a slow but moving upload is not
    /// cut off.
    private func write(
        _ head: ByteBuffer, body: SecureBytes?, to stream: ByteStream, deadline: () -> Deadline
    ) throws(TransportError) {
        let piece = 64 * 1024
        guard let body, body.count > piece else {
            body?.withUnsafeBytes { head.append($0) }
            return try stream.write(head.readable, deadline: deadline())
        }
        try stream.write(head.readable, deadline: deadline())
        try body.withUnsafeBytes { bytes throws(TransportError) in
            for start in stride(from: 0, to: bytes.count, by: piece) {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<min(start + piece, bytes.count)])
                try stream.write(slice, deadline: deadline())
            }
        }
    }

    /// A connected stream to `url`'s server: directly or through the proxy's tunnel, then TLS for
    /// https.
    private func connect(
        to url: HTTPURL, through proxy: HTTPProxySettings.Proxy?, tls context: TLSContext?, total: Deadline
    ) throws(HTTPError)
        -> ByteStream
    {
        func connectDeadline() -> Deadline { min(Deadline.after(configuration.connectTimeout), total) }
        let overrides = configuration.addressOverrides
        let socket: TCPSocket
        if let proxy {
            socket = try TCPSocket.connect(
                host: proxy.host, port: proxy.port, deadline: connectDeadline(), numericHost: overrides[proxy.host])
            try openTunnel(on: socket, through: proxy, to: url, deadline: connectDeadline())
        } else {
            socket = try TCPSocket.connect(
                host: url.host, port: url.port, deadline: connectDeadline(), numericHost: overrides[url.host],
                requireLoopback: url.scheme == "http")
        }
        guard let context else { return socket }
        let tls: TLSStream
        do {
            tls = try TLSStream(socket: socket, context: context)
        } catch {
            throw .tlsHandshake(host: url.host, reason: "cannot start TLS")
        }
        try tls.connect(host: url.host, deadline: connectDeadline())
        return tls
    }

    /// `CONNECT host:port` through the proxy, which must answer 2xx before TLS starts inside.
    private func openTunnel(
        on socket: TCPSocket, through proxy: HTTPProxySettings.Proxy, to url: HTTPURL, deadline: Deadline
    ) throws(HTTPError) {
        let target = (url.host.contains(":") ? "[\(url.host)]" : url.host) + ":\(url.port)"
        var headers = HTTPHeaders()
        if let authorization = proxy.authorization { headers.add("Proxy-Authorization", secret: authorization) }
        let head = ByteBuffer()
        do {
            try HTTPHeadWriter.request(
                method: "CONNECT", target: target, authority: target, headers: headers, bodyLength: nil,
                userAgent: configuration.userAgent, tunnel: true, into: head)
            try socket.write(head.readable, deadline: deadline)
            let input = HTTPInput(stream: socket)
            var parser = HTTPHeadParser(kind: .response, maxBytes: configuration.maxHeaderBytes)
            guard case let .response(reply) = try input.readHead(&parser, deadline: { deadline }) else {
                preconditionFailure("a response parser returned a request")
            }
            guard (200..<300).contains(reply.status) else {
                throw HTTPError.proxyRefused(proxy: proxy.endpoint, host: url.host, status: reply.status)
            }
            // The server speaks only after the TLS ClientHello, so nothing may follow the reply.
            if input.hasBufferedBytes {
                throw HTTPError.malformedResponse(host: proxy.endpoint, reason: "data after the CONNECT reply")
            }
        } catch let error as HTTPError {
            throw error
        } catch let error as TransportError {
            throw Self.describe(error, phase: .proxyTunnel, host: url.host)
        } catch let error as HTTPParseError {
            throw Self.describe(error, host: proxy.endpoint)
        } catch let error as HTTPHeadWriter.Invalid {
            throw .invalidRequest(error.what)
        } catch {
            throw .network(.proxyTunnel, host: url.host, reason: "\(error)")
        }
    }

    /// The TLS context, built on first use.
    private func tlsContext() throws(HTTPError) -> TLSContext {
        try lock.withLock { () throws(HTTPError) -> TLSContext in
            if let builtContext { return builtContext }
            let context = try TLSContext.client(
                environment: configuration.environment, trustRoots: configuration.trustRoots)
            builtContext = context
            return context
        }
    }

    // MARK: - Errors

    private static func describe(_ error: TransportError, phase: HTTPError.Phase, host: String) -> HTTPError {
        switch error {
        case .timedOut: return .timeout(phase, host: host)
        case .closed: return .connectionClosed(phase, host: host)
        case let .system(errno): return .network(phase, host: host, reason: errno.description)
        case let .tls(reason): return .network(phase, host: host, reason: "TLS: \(reason)")
        }
    }

    private static func describe(_ error: HTTPParseError, host: String) -> HTTPError {
        switch error {
        case let .headTooLarge(limit): return .headersTooLarge(host: host, limit: limit)
        case let .bodyTooLarge(limit): return .responseTooLarge(host: host, limit: limit)
        default: return .malformedResponse(host: host, reason: error.description)
        }
    }
}
