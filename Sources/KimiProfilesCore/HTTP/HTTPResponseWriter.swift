/// Writes the one response to a request received by `HTTPServer`: whole, with `respond`, or
/// streamed, with `writeHead`, `writeChunk` … and `finish`.
///
/// Each call writes to the socket before it returns (nothing is held back), so a streamed chunk
/// reaches the client as soon as it is written. Every response carries `Connection: close`.
/// The methods return false once the client has gone (or a write timed out): a handler that is
/// relaying a stream should then stop. Used on the connection's thread only.
public final class HTTPResponseWriter {
    private enum State {
        case idle
        /// Streaming; the framing chosen by `writeHead`.
        case streaming(HTTPBodyFraming)
        case finished
        case failed
    }

    private let stream: ByteStream
    private let requestMethod: String
    /// HTTP/1.0 clients do not know chunked encoding: a stream to one ends at close instead.
    private let supportsChunked: Bool
    private let writeTimeout: Double
    private var state = State.idle
    private let scratch = ByteBuffer()

    init(stream: ByteStream, request: HTTPRequestHead, writeTimeout: Double) {
        self.stream = stream
        self.requestMethod = request.method
        self.supportsChunked = request.version != "HTTP/1.0"
        self.writeTimeout = writeTimeout
    }

    /// Whether a response has been started (a whole one, or a stream's head).
    public var hasResponded: Bool {
        if case .idle = state { return false }
        return true
    }

    /// False once a write has failed or the response was aborted.
    public var isConnected: Bool {
        if case .failed = state { return false }
        return true
    }

    /// Sends a whole response with `Content-Length`.
    @discardableResult
    public func respond(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: UnsafeRawBufferPointer) -> Bool {
        guard case .idle = state else { return false }
        let framing = Self.hasNoBody(status) ? HTTPBodyFraming.none : .contentLength(body.count)
        guard writeHeadBytes(status: status, headers: headers, framing: framing) else { return false }
        let sendsBody = framing != .none && requestMethod != "HEAD" && body.count > 0
        if sendsBody, body.count <= 64 * 1024 {
            scratch.append(body)
        }
        guard flush() else { return false }
        if sendsBody, body.count > 64 * 1024 {
            guard write(body) else { return false }
        }
        state = .finished
        return true
    }

    /// Sends a whole response whose body is not secret (or is empty).
    @discardableResult
    public func respond(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) -> Bool {
        body.withUnsafeBytes { respond(status: status, headers: headers, body: $0) }
    }

    /// Sends a whole response whose body is held in wiped memory (a token reply).
    @discardableResult
    public func respond(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: SecureBytes) -> Bool {
        body.withUnsafeBytes { respond(status: status, headers: headers, body: $0) }
    }

    /// Starts a streamed response: `Transfer-Encoding: chunked` (to an HTTP/1.0 client, a body
    /// that ends when the connection closes).
    @discardableResult
    public func writeHead(status: Int, headers: HTTPHeaders = HTTPHeaders()) -> Bool {
        guard case .idle = state else { return false }
        let framing: HTTPBodyFraming =
            Self.hasNoBody(status) || requestMethod == "HEAD" ? .none : supportsChunked ? .chunked : .untilClose
        guard writeHeadBytes(status: status, headers: headers, framing: framing), flush() else { return false }
        state = .streaming(framing)
        return true
    }

    /// Sends `bytes` as one chunk, at once. Empty input sends nothing (an empty chunk would end
    /// the body).
    @discardableResult
    public func writeChunk(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard case let .streaming(framing) = state else { return false }
        guard bytes.count > 0 else { return true }
        switch framing {
        case .chunked:
            scratch.append(String(bytes.count, radix: 16) + "\r\n")
            scratch.append(bytes)
            scratch.append("\r\n")
            return flush()
        case .untilClose:
            return write(bytes)
        case .none, .contentLength:
            return true
        }
    }

    /// Sends `bytes` as one chunk, at once.
    @discardableResult
    public func writeChunk(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeChunk($0) }
    }

    /// Ends a streamed response (the last, empty chunk).
    @discardableResult
    public func finish() -> Bool {
        guard case let .streaming(framing) = state else { return false }
        if framing == .chunked {
            scratch.append("0\r\n\r\n")
            guard flush() else { return false }
        }
        state = .finished
        return true
    }

    /// Gives up on the response: the connection is closed without ending a streamed body, so
    /// the client sees it cut short rather than complete (what a relay should do when its
    /// upstream fails midway).
    public func abort() {
        state = .failed
    }

    /// After the handler: a handler that sent nothing gets a 500, an unfinished stream is
    /// finished.
    func complete() {
        switch state {
        case .idle: respond(status: 500)
        case .streaming: finish()
        case .finished, .failed: break
        }
    }

    private func writeHeadBytes(status: Int, headers: HTTPHeaders, framing: HTTPBodyFraming) -> Bool {
        do {
            try HTTPHeadWriter.response(status: status, headers: headers, framing: framing, into: scratch)
            return true
        } catch {
            // A handler's invalid header: nothing has been sent, so the client gets a plain 500.
            scratch.clear()
            try? HTTPHeadWriter.response(
                status: 500, headers: HTTPHeaders(), framing: .contentLength(0), into: scratch)
            _ = flush()
            state = .failed
            return false
        }
    }

    private func flush() -> Bool {
        defer { scratch.clear() }
        return write(scratch.readable)
    }

    /// Writes in pieces of 64 KiB, each with its own deadline: `writeTimeout` bounds a stall,
    /// not the time a large body takes to a slow client.
    private func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        do {
            for start in stride(from: 0, to: bytes.count, by: 64 * 1024) {
                let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<min(start + 64 * 1024, bytes.count)])
                try stream.write(piece, deadline: .after(writeTimeout))
            }
            return true
        } catch {
            state = .failed
            return false
        }
    }

    private static func hasNoBody(_ status: Int) -> Bool {
        (100..<200).contains(status) || status == 204 || status == 304
    }
}
