#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on 127.0.0.1: the credential proxy's listener and the tests' fake
/// Kimi.
///
/// Listening starts in `init`; `port` is the one bound (ask for port 0 to let the system choose).
/// One thread accepts, and each connection gets a thread of its own, up to `maxConnections`.
/// When they are all taken, a new connection makes room by cutting the oldest one still waiting
/// for its request head (so clients that connect and send nothing cannot lock others out for
/// `headerTimeout`); when every connection is past its head, the new one is closed at once. Cut
/// connections' threads end promptly; at most `maxConnections` more of them can be winding down
/// at any moment. A connection carries one request: its head
/// is parsed within `headerTimeout` and size limits, its body (Content-Length or chunked) read in
/// full within `maxBodyBytes`, and then `handler` is called on the connection's thread with the
/// request and a writer for the response. Every response closes the connection.
///
/// A bad client costs only its own connection: a malformed head or framing gets 400 (431 for an
/// oversized head, 413 for an oversized body, 408 when too slow, 501 for a transfer coding other
/// than chunked, 505 for a version other than 1.x) and is closed. `stop()` (or releasing the
/// server) closes the listener, cuts the open connections and joins every thread.
public final class HTTPServer: @unchecked Sendable {
    /// Called on the connection's thread with the request (body read in full) and the writer for
    /// its response; the server closes the connection when it returns.
    public typealias Handler = @Sendable (HTTPServerRequest, HTTPResponseWriter) -> Void

    /// Looks at a request's head before its body is read; a reply it returns (status and JSON
    /// body) is sent at once and the body is never read. The credential proxy uses it so that a
    /// client without the session secret cannot make the server buffer a body.
    public typealias Screen = @Sendable (HTTPRequestHead) -> (status: Int, body: [UInt8])?

    /// The port bound on 127.0.0.1.
    public let port: Int
    private let state: ServerState

    /// Binds 127.0.0.1:`configuration.port` and starts serving with `handler`.
    public init(
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(), screen: Screen? = nil,
        handler: @escaping Handler
    ) throws(HTTPError) {
        let tls = try configuration.tls.map { settings throws(HTTPError) in
            try TLSContext.server(certificateChain: settings.certificateChain, privateKey: settings.privateKey)
        }
        let (listener, port) = try Self.listen(port: configuration.port)
        self.port = port
        state = try ServerState(
            listener: listener, port: port, configuration: configuration, tls: tls, screen: screen, handler: handler)
    }

    deinit { stop() }

    /// Stops accepting, cuts open connections (their handlers' writes start failing) and waits
    /// for every thread to end. Safe to call more than once, but not from inside a handler.
    public func stop() {
        state.stop()
    }

    /// Threads started and not yet joined (the accept thread included); 0 after `stop()`.
    var liveThreadCount: Int { state.liveThreadCount }

    private static func listen(port: Int) throws(HTTPError) -> (TCPSocket, Int) {
        guard (0...65535).contains(port) else {
            throw .cannotListen(port: port, reason: "not a TCP port")
        }
        let type = Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
        let descriptor = socket(AF_INET, type, 0)
        func failure(_ what: String) -> HTTPError {
            .cannotListen(port: port, reason: "\(what) failed: \(Errno.current)")
        }
        guard descriptor >= 0 else { throw failure("socket") }
        let listener = TCPSocket(adopting: descriptor)
        var one: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw failure("bind") }
        guard Glibc.listen(descriptor, 128) == 0 else { throw failure("listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw failure("getsockname") }
        return (listener, Int(UInt16(bigEndian: address.sin_port)))
    }
}

/// What the accept thread and the connection threads share.
private final class ServerState: @unchecked Sendable {
    // Everything mutable is guarded by `lock`. A connection's socket is closed only under the
    // lock, so that `stop()` never shuts down a descriptor number that was reused meanwhile.
    private let lock = Lock()
    private let listener: TCPSocket
    /// A pipe whose read end wakes the accept thread's poll when `stop()` writes to it.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let configuration: HTTPServerConfiguration
    private let tls: TLSContext?
    private let handler: HTTPServer.Handler
    private let screen: HTTPServer.Screen?
    private var acceptThread: PosixThread?
    private var connections: [Int: Connection] = [:]
    /// How many of `connections` were cut to make room and are winding down.
    private var evictedCount = 0
    private var finished: [PosixThread] = []
    private var nextID = 0
    private var stopped = false

    private final class Connection: @unchecked Sendable {
        // The socket is used by its connection thread; `stop()` only calls `shutdown()` on it,
        // under the server's lock.
        let socket: TCPSocket
        var thread: PosixThread?
        /// Set (under the server's lock) once a request head has arrived and passed the screen.
        var pastHead = false
        /// Set (under the server's lock) when the connection was cut to make room.
        var evicted = false
        init(socket: TCPSocket) { self.socket = socket }
    }

    init(
        listener: TCPSocket, port: Int, configuration: HTTPServerConfiguration, tls: TLSContext?,
        screen: HTTPServer.Screen?, handler: @escaping HTTPServer.Handler
    ) throws(HTTPError) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            throw .cannotListen(port: port, reason: "pipe failed: \(Errno.current)")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        wakeRead = ends[0]
        wakeWrite = ends[1]
        self.listener = listener
        self.configuration = configuration
        self.tls = tls
        self.handler = handler
        self.screen = screen
        let thread = PosixThread.start { [self] in acceptLoop() }
        guard let thread else {
            Glibc.close(wakeRead)
            Glibc.close(wakeWrite)
            throw .cannotListen(port: port, reason: "cannot start the accept thread")
        }
        lock.withLock { acceptThread = thread }
    }

    deinit {
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }

    var liveThreadCount: Int {
        lock.withLock { (acceptThread == nil ? 0 : 1) + connections.count + finished.count }
    }

    func stop() {
        let accepting: PosixThread? = lock.withLock {
            if stopped { return nil }
            stopped = true
            return acceptThread
        }
        guard let accepting else { return }
        var byte: UInt8 = 1
        _ = try? syscall { write(wakeWrite, &byte, 1) }
        if !accepting.isCurrent { accepting.join() }
        let remaining: [PosixThread] = lock.withLock {
            acceptThread = nil
            listener.close()
            for connection in connections.values { connection.socket.shutdown() }
            let threads = connections.values.compactMap(\.thread) + finished
            finished = []
            return threads
        }
        for thread in remaining where !thread.isCurrent { thread.join() }
        lock.withLock { finished = [] }
    }

    // MARK: - Accepting

    private func acceptLoop() {
        var entries = [
            pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            entries[0].revents = 0
            entries[1].revents = 0
            let ready = poll(&entries, 2, 1000)
            if lock.withLock({ stopped }) { return }
            reapFinished()
            guard ready > 0, entries[0].revents != 0 else { continue }
            do {
                admit(TCPSocket(adopting: try syscall { accept(listener.descriptor, nil, nil) }))
            } catch {
                // EMFILE and the like: pause rather than spin on a listener that stays readable.
                // (EAGAIN and ECONNABORTED, a connection gone before it was accepted, need nothing.)
                if [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.rawValue) { _ = poll(nil, 0, 50) }
            }
        }
    }

    /// Starts a thread for the connection, making room if the server is full; closes it when
    /// no room can be made.
    private func admit(_ socket: TCPSocket) {
        lock.withLock {
            guard !stopped, connections.count - evictedCount < configuration.maxConnections || makeRoom() else {
                socket.close()
                return
            }
            let id = nextID
            nextID += 1
            let connection = Connection(socket: socket)
            connections[id] = connection
            // Started under the lock, so the thread cannot finish (which takes the lock) before
            // its handle is recorded.
            connection.thread = PosixThread.start { [self] in
                serve(connection)
                finish(id)
            }
            if connection.thread == nil {
                connections[id] = nil
                socket.close()
            }
        }
    }

    /// Cuts the oldest connection still waiting for its head. Called under the lock, when full.
    private func makeRoom() -> Bool {
        guard connections.count < 2 * configuration.maxConnections else { return false }
        var oldest: (id: Int, connection: Connection)?
        for (id, connection) in connections where !connection.pastHead && !connection.evicted {
            if oldest == nil || id < oldest!.id { oldest = (id, connection) }
        }
        guard let oldest else { return false }
        oldest.connection.evicted = true
        evictedCount += 1
        oldest.connection.socket.shutdown()
        return true
    }

    private func finish(_ id: Int) {
        lock.withLock {
            guard let connection = connections.removeValue(forKey: id) else { return }
            if connection.evicted { evictedCount -= 1 }
            connection.socket.close()
            if let thread = connection.thread { finished.append(thread) }
        }
    }

    private func reapFinished() {
        let done: [PosixThread] = lock.withLock {
            defer { finished = [] }
            return finished
        }
        for thread in done { thread.join() }
    }

    // MARK: - Serving one connection

    private func serve(_ connection: Connection) {
        let socket = connection.socket
        let headDeadline = Deadline.after(configuration.headerTimeout)
        let stream: ByteStream
        if let tls {
            do {
                let secured = try TLSStream(socket: socket, context: tls)
                try secured.accept(deadline: headDeadline)
                stream = secured
            } catch {
                return
            }
        } else {
            stream = socket
        }
        defer { closeStream(stream) }

        let input = HTTPInput(stream: stream)
        var parser = HTTPHeadParser(
            kind: .request, maxBytes: configuration.maxHeaderBytes, maxFields: configuration.maxHeaderCount)
        let head: HTTPRequestHead
        let framing: HTTPBodyFraming
        do {
            guard case let .request(parsed) = try input.readHead(&parser, deadline: { headDeadline }) else { return }
            head = parsed
            framing = try HTTPBodyFraming.request(head)
        } catch {
            return refuse(error, on: stream, socket: socket, receivedAnything: input.hasBufferedBytes)
        }

        if let screen, let rejection = screen(head) {
            let writer = HTTPResponseWriter(stream: stream, request: head, writeTimeout: configuration.writeTimeout)
            _ = writer.respond(
                status: rejection.status, headers: HTTPHeaders([("Content-Type", "application/json")]),
                body: rejection.body)
            writer.complete()
            return
        }

        // From here the connection is a real request, no longer one that room can be made from;
        // checked and marked in one step, so a connection cut meanwhile is not served.
        let cut = lock.withLock { () -> Bool in
            if connection.evicted { return true }
            connection.pastHead = true
            return false
        }
        if cut { return }
        let body = ByteBuffer()
        do {
            if Self.expectsContinue(head), framing != .none {
                if case let .contentLength(length) = framing, length > configuration.maxBodyBytes {
                    throw HTTPParseError.bodyTooLarge(limit: configuration.maxBodyBytes)
                }
                let interim = ByteBuffer(capacity: 32)
                interim.append("HTTP/1.1 100 Continue\r\n\r\n")
                try stream.write(interim.readable, deadline: .after(configuration.writeTimeout))
            }
            try input.readBody(
                framing, limit: configuration.maxBodyBytes, deadline: { .after(configuration.readTimeout) },
                emit: { body.append($0) })
        } catch {
            return refuse(error, on: stream, socket: socket, receivedAnything: true)
        }

        let writer = HTTPResponseWriter(stream: stream, request: head, writeTimeout: configuration.writeTimeout)
        handler(HTTPServerRequest(head: head, body: body.secureCopy()), writer)
        writer.complete()
    }

    /// Answers a request that cannot be served with the status that says why, then closes.
    /// A client that went away or never sent a byte is simply closed.
    private func refuse(_ error: any Error, on stream: ByteStream, socket: TCPSocket, receivedAnything: Bool) {
        let status: Int
        switch error {
        case TransportError.timedOut where receivedAnything: status = 408
        case is TransportError: return
        case HTTPParseError.headTooLarge, HTTPParseError.tooManyHeaders: status = 431
        case HTTPParseError.bodyTooLarge: status = 413
        case HTTPParseError.unsupportedTransferEncoding: status = 501
        case HTTPParseError.unsupportedVersion: status = 505
        default: status = 400
        }
        let response = ByteBuffer()
        try? HTTPHeadWriter.response(status: status, headers: HTTPHeaders(), framing: .contentLength(0), into: response)
        try? stream.write(response.readable, deadline: .after(min(configuration.writeTimeout, 5)))
        linger(socket)
    }

    /// Stops sending and reads (and drops) what the client still sends, briefly, before the
    /// socket is closed: closing with unread bytes makes the kernel send a reset, which can
    /// destroy the error response before the client reads it.
    private func linger(_ socket: TCPSocket) {
        socket.shutdownWrite()
        let deadline = Deadline.after(1)
        var drained = 0
        let scratch = ByteBuffer(capacity: 16 * 1024)
        let space = scratch.writable(atLeast: 16 * 1024)
        while drained < 1 << 20, let count = try? socket.read(into: space, deadline: deadline), count > 0 {
            drained += count
        }
    }

    private func closeStream(_ stream: ByteStream) {
        lock.withLock { stream.close() }
    }

    private static func expectsContinue(_ head: HTTPRequestHead) -> Bool {
        head.version == "HTTP/1.1" && head.headers.value("expect")?.lowercased() == "100-continue"
    }
}
