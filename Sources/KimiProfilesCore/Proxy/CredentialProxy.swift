/// The loopback credential proxy of SPEC §6: for the life of an `exec`, the command talks to
/// `http://127.0.0.1:<port>/<base path>` with a per-session secret, and every request it makes
/// reaches the profile's own API base with a fresh access token.
///
/// - Only requests that carry the session secret (`x-api-key` or `Authorization: Bearer`,
///   compared in constant time) are forwarded; anything else gets 401 and goes nowhere.
/// - Only origin-form targets under the base path are forwarded, to the one upstream origin;
///   absolute-form targets, `CONNECT` and other paths are refused. The server refuses a request
///   with both Content-Length and Transfer-Encoding (no smuggling).
/// - The client's headers pass through (User-Agent included) except hop-by-hop ones; the secret
///   is replaced by the access token in the header the client used.
/// - The token is made fresh (≥ 60 s left) through the shared refresher before forwarding; an
///   upstream 401 refreshes once and retries. Responses stream chunk by chunk.
public final class CredentialProxy: @unchecked Sendable {
    /// The largest request body buffered for a retry; larger bodies get 413.
    public static let maxBodyBytes = 32 * 1024 * 1024

    private let secret: Secret
    private let upstream: HTTPURL
    private let basePath: String
    private let tokens: TokenSource
    private let client: HTTPClient
    private let profileName: String
    private let log: DebugLog
    private let clock: Clock
    private let notice: @Sendable (String) -> Void
    private let noticeLock = Lock()
    private var noticeShown = false
    private var server: HTTPServer?

    /// Hop-by-hop headers (RFC 9110 §7.6.1) and those the proxy sets itself.
    static let dropped: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
        "trailer", "transfer-encoding", "upgrade", "host", "content-length",
    ]

    /// - Parameters:
    ///   - notice: prints one line on the terminal (used once, when a new login is needed).
    public init(
        secret: Secret, upstream: HTTPURL, tokens: TokenSource, client: HTTPClient, profileName: String,
        log: DebugLog = .off, clock: Clock = .system, notice: @escaping @Sendable (String) -> Void
    ) {
        self.clock = clock
        self.secret = secret
        self.upstream = upstream
        var path = upstream.target
        while path.hasSuffix("/") { path.removeLast() }
        basePath = path
        self.tokens = tokens
        self.client = client
        self.profileName = profileName
        self.log = log
        self.notice = notice
    }

    /// Starts listening on 127.0.0.1 (an ephemeral port) and returns the base URL the command
    /// should use: `http://127.0.0.1:<port><base path>`.
    public func start(maxConnections: Int = 256) throws -> String {
        let configuration = HTTPServerConfiguration(
            port: 0, maxConnections: maxConnections, maxBodyBytes: Self.maxBodyBytes, headerTimeout: 10,
            readTimeout: 60, writeTimeout: 60)
        let server = try HTTPServer(
            configuration: configuration, screen: { [self] head in screen(head) },
            handler: { [self] request, writer in handle(request, writer) })
        self.server = server
        return "http://127.0.0.1:\(server.port)\(basePath)"
    }

    /// Closes the listener and waits for open requests to end.
    public func stop() {
        server?.stop()
        server = nil
    }

    // MARK: Requests

    /// Refuses, from the head alone (before any body is read), a request without the session
    /// secret, a CONNECT, and any target that is not an origin-form path under the base.
    func screen(_ head: HTTPRequestHead) -> (status: Int, body: [UInt8])? {
        guard presentedSecret(head.headers) != nil else {
            return Self.error(401, "authentication_error", "missing or wrong kimi-profiles session secret")
        }
        guard head.method != "CONNECT" else {
            return Self.error(405, "invalid_request_error", "CONNECT is not supported")
        }
        guard isUnderBase(head.target) else {
            return Self.error(404, "not_found_error", "only \(basePath)/… is forwarded")
        }
        return nil
    }

    func handle(_ request: HTTPServerRequest, _ writer: HTTPResponseWriter) {
        if let refusal = screen(request.head) {
            _ = writer.respond(
                status: refusal.status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: refusal.body)
            return
        }
        guard let presented = presentedSecret(request.headers) else { return }
        let target = request.target
        var headers = HTTPHeaders()
        for field in request.headers.fields where !Self.dropped.contains(field.name.lowercased()) {
            let lowered = field.name.lowercased()
            if lowered == "x-api-key" || lowered == "authorization" { continue }
            headers.add(field.name, secret: field.value)
        }
        let token: Secret
        do {
            token = try tokens.current()
        } catch {
            failAuthentication(writer, error)
            return
        }
        // The target passed the screen; HTTPURL still refuses what it cannot send (non-ASCII).
        guard let url = HTTPURL("\(upstream.scheme)://\(upstream.authority)\(target)") else {
            reject(writer, 400, "invalid_request_error", "the request target cannot be forwarded")
            return
        }
        var outgoing = HTTPRequest(
            method: request.method, url: url,
            headers: Self.credentialHeaders(headers, presented: presented, token: token),
            body: request.body.count > 0 || ["POST", "PUT", "PATCH"].contains(request.method) ? request.body : nil)
        let started = clock.now()
        var retried = false
        while true {
            do {
                var headSent = false
                try client.stream(
                    outgoing,
                    head: { head in
                        if head.status == 401, !retried { throw RetrySignal() }
                        var responseHeaders = HTTPHeaders()
                        for field in head.headers.fields where !Self.dropped.contains(field.name.lowercased()) {
                            responseHeaders.add(field.name, secret: field.value)
                        }
                        headSent = writer.writeHead(status: head.status, headers: responseHeaders)
                        log("\(request.method) \(target) -> \(head.status) (\(Int((clock.now() - started) * 1000)) ms to head)")
                        if !headSent { throw ClientGone() }
                    },
                    body: { bytes in
                        if !writer.writeChunk(bytes) { throw ClientGone() }
                    })
                _ = writer.finish()
                return
            } catch is RetrySignal {
                // fall through to the retry below
            } catch is ClientGone {
                writer.abort()
                return
            } catch {
                log("\(request.method) \(target) failed upstream: \(error)")
                if writer.hasResponded {
                    writer.abort()
                } else {
                    reject(writer, 502, "api_error", "kimi-profiles could not reach Kimi: \(error)")
                }
                return
            }
            // An upstream 401: refresh once and send again.
            retried = true
            log("\(request.method) \(target) -> 401; refreshing the token and retrying once")
            do {
                let fresh = try tokens.replace(rejected: token)
                outgoing.headers = Self.credentialHeaders(headers, presented: presented, token: fresh)
            } catch {
                failAuthentication(writer, error)
                return
            }
        }
    }

    /// The secret from `x-api-key` or `Authorization: Bearer`, with which header carried it;
    /// nil unless it matches the session secret.
    private func presentedSecret(_ headers: HTTPHeaders) -> Presented? {
        for value in headers.secrets("x-api-key") where value == secret { return .apiKey }
        for value in headers.secrets("authorization") {
            let matches = value.withUnsafeBytes { bytes -> Bool in
                let prefix = Array("Bearer ".utf8)
                guard bytes.count > prefix.count,
                    zip(bytes.prefix(prefix.count), prefix).allSatisfy({ $0 | 0x20 == $1 | 0x20 })
                else { return false }
                return secret.withUnsafeBytes { expected in
                    constantTimeEquals(UnsafeRawBufferPointer(rebasing: bytes[prefix.count...]), expected)
                }
            }
            if matches { return .bearer }
        }
        return nil
    }

    enum Presented {
        case apiKey
        case bearer
    }

    /// The forwarded headers with the access token where the client had put the secret.
    static func credentialHeaders(_ base: HTTPHeaders, presented: Presented, token: Secret) -> HTTPHeaders {
        var headers = base
        switch presented {
        case .apiKey:
            headers.add("x-api-key", secret: token)
        case .bearer:
            headers.addBearer(token)
        }
        return headers
    }

    /// Whether `target` is an origin-form path under the base. Dot segments, and encodings that
    /// could turn into them or into another separator upstream (`%2e`, `%2f`, `%5c`, `\`),
    /// are refused outright rather than normalised.
    func isUnderBase(_ target: String) -> Bool {
        guard target.hasPrefix("/"), !target.hasPrefix("//") else { return false }
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        let lowered = path.lowercased()
        for forbidden in ["%2e", "%2f", "%5c", "%25", ";", "\\", "//"] where lowered.contains(forbidden) {
            return false
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        if segments.contains(where: { $0 == "." || $0 == ".." }) { return false }
        return path.hasPrefix(basePath + "/") && path.count > basePath.count + 1
    }

    private func failAuthentication(_ writer: HTTPResponseWriter, _ error: any Error) {
        if case OAuthError.loginRequired = error {
            let message = "profile '\(profileName)' needs a new login: run `kimi-profiles login \(profileName)`"
            reject(writer, 401, "authentication_error", "kimi-profiles: " + message)
            let first = noticeLock.withLock { () -> Bool in
                defer { noticeShown = true }
                return !noticeShown
            }
            if first { notice("kimi-profiles: " + message) }
            return
        }
        reject(writer, 502, "api_error", "kimi-profiles could not get an access token: \(error)")
    }

    private func reject(_ writer: HTTPResponseWriter, _ status: Int, _ type: String, _ message: String) {
        let refusal = Self.error(status, type, message)
        _ = writer.respond(
            status: refusal.status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: refusal.body)
    }

    /// An error reply in the Anthropic API's shape, so clients show its message.
    static func error(_ status: Int, _ type: String, _ message: String) -> (status: Int, body: [UInt8]) {
        let body = JSONValue.object([
            "type": .string("error"), "error": .object(["type": .string(type), "message": .string(message)]),
        ]).serialized()
        return (status, Array(body.utf8))
    }

    private struct RetrySignal: Error {}
    private struct ClientGone: Error {}
}
