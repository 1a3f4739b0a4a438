internal import COpenSSL

#if canImport(Glibc)
import Glibc
#endif

/// TLS over a connected `TCPSocket`, through `SocketBIO` (so no write can raise SIGPIPE).
///
/// OpenSSL works on the non-blocking socket; when it needs the socket to become readable or
/// writable it says so (WANT_READ / WANT_WRITE), and the stream waits in `poll()` until the
/// operation's deadline before retrying. Confined to one thread at a time, like the socket.
final class TLSStream: ByteStream {
    private let socket: TCPSocket
    private let ssl: OpaquePointer
    /// After a fatal error OpenSSL must not be asked to send close_notify.
    private var failed = false

    init(socket: TCPSocket, context: TLSContext) throws(TransportError) {
        guard let ssl = SSL_new(context.pointer) else { throw .tls(TLSContext.takeErrorReason()) }
        guard let bio = SocketBIO.make(descriptor: socket.descriptor) else {
            SSL_free(ssl)
            throw .tls("cannot allocate a BIO")
        }
        SSL_set_bio(ssl, bio, bio)
        self.socket = socket
        self.ssl = ssl
    }

    deinit {
        SSL_free(ssl)
    }

    /// The client handshake with `host`, verifying that the certificate chains to a trusted root
    /// and names `host` (a DNS name, or an IP address as an IP SAN). Sends SNI for names (RFC 6066
    /// forbids it for addresses).
    func connect(host: String, deadline: Deadline) throws(HTTPError) {
        if SocketAddress.isNumeric(host) {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 else {
                throw .tlsHandshake(host: host, reason: "cannot verify against the address \(host)")
            }
        } else {
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            guard SSL_set1_host(ssl, host) == 1, kp_SSL_set_tlsext_host_name(ssl, host) == 1 else {
                throw .tlsHandshake(host: host, reason: "cannot set the expected host name")
            }
        }
        do {
            _ = try drive(deadline: deadline) { SSL_connect(ssl) }
        } catch {
            let verdict = SSL_get_verify_result(ssl)
            if verdict != X509_V_OK {
                let reason = X509_verify_cert_error_string(verdict).map { String(cString: $0) } ?? "error \(verdict)"
                throw .certificateVerification(host: host, reason: reason)
            }
            switch error {
            case .timedOut: throw .timeout(.tlsHandshake, host: host)
            case .closed: throw .tlsHandshake(host: host, reason: "the server closed the connection")
            case let .system(errno): throw .tlsHandshake(host: host, reason: errno.description)
            case let .tls(reason): throw .tlsHandshake(host: host, reason: reason)
            }
        }
    }

    /// The server handshake.
    func accept(deadline: Deadline) throws(TransportError) {
        _ = try drive(deadline: deadline) { SSL_accept(ssl) }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(TransportError) -> Int {
        var count = 0
        do {
            _ = try drive(deadline: deadline) { SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count) }
        } catch .closed {
            return 0
        }
        return count
    }

    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(TransportError) {
        guard bytes.count > 0 else { return }
        var written = 0
        // Without SSL_MODE_ENABLE_PARTIAL_WRITE a successful SSL_write_ex has written it all.
        _ = try drive(deadline: deadline) { SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &written) }
    }

    func close() {
        if !failed {
            // One attempt at close_notify; the peer's reply is not awaited.
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
            ERR_clear_error()
        }
        socket.close()
    }

    /// Runs one OpenSSL call until it succeeds, waiting in `poll()` whenever OpenSSL wants the
    /// socket. A clean end of the stream (close_notify, or EOF: see `TLSContext`) is `.closed`.
    private func drive(deadline: Deadline, _ operation: () -> Int32) throws(TransportError) -> Int32 {
        while true {
            ERR_clear_error()
            errno = 0
            let result = operation()
            if result > 0 { return result }
            let savedErrno = errno
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ:
                try socket.wait(forWriting: false, deadline: deadline)
            case SSL_ERROR_WANT_WRITE:
                try socket.wait(forWriting: true, deadline: deadline)
            case SSL_ERROR_ZERO_RETURN:
                throw .closed
            case SSL_ERROR_SYSCALL:
                failed = true
                ERR_clear_error()
                if savedErrno == 0 || savedErrno == EPIPE || savedErrno == ECONNRESET { throw .closed }
                throw .system(Errno(rawValue: savedErrno))
            default:
                failed = true
                throw .tls(TLSContext.takeErrorReason())
            }
        }
    }
}
