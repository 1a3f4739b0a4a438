internal import COpenSSL

#if canImport(Glibc)
import Glibc
#endif

/// An OpenSSL BIO over a socket descriptor that writes with `send(…, MSG_NOSIGNAL)`.
///
/// OpenSSL's own socket BIO writes with `write()`, which raises SIGPIPE when the peer has
/// closed the connection, and SIGPIPE's default action ends the process. Linux has no
/// `SO_NOSIGPIPE`, and ignoring the signal process-wide, or masking it per thread around every
/// `SSL_write`, `SSL_read` and `SSL_shutdown` (any of which may write), would reach beyond the
/// HTTP layer or take a syscall pair per call. A BIO of our own keeps the rule local: TLS bytes
/// are sent exactly as plain ones are, and a gone peer is `EPIPE`.
///
/// The socket is non-blocking; `EAGAIN` sets OpenSSL's retry flags so that `SSL_read` and
/// `SSL_write` report WANT_READ/WANT_WRITE, and `TLSStream` waits in `poll()` before retrying.
enum SocketBIO {
    /// A new BIO for `descriptor`; the descriptor stays owned by the caller's `TCPSocket`.
    static func make(descriptor: Int32) -> OpaquePointer? {
        guard let bio = BIO_new(method.pointer) else { return nil }
        // The descriptor plus one, so that descriptor 0 is not a null pointer.
        BIO_set_data(bio, UnsafeMutableRawPointer(bitPattern: Int(descriptor) + 1))
        BIO_set_init(bio, 1)
        return bio
    }

    private final class Method: @unchecked Sendable {
        // Immutable once built; OpenSSL only reads a BIO_METHOD.
        let pointer: OpaquePointer
        init(pointer: OpaquePointer) { self.pointer = pointer }
    }

    private static let method: Method = {
        guard let method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "kimi-profiles socket")
        else { fatalError("OpenSSL cannot allocate a BIO method; out of memory") }
        BIO_meth_set_write(method, socketWrite)
        BIO_meth_set_read(method, socketRead)
        BIO_meth_set_ctrl(method, socketControl)
        return Method(pointer: method)
    }()
}

private func descriptor(of bio: OpaquePointer) -> Int32 {
    Int32(Int(bitPattern: BIO_get_data(bio)) - 1)
}

private func socketWrite(_ bio: OpaquePointer?, _ data: UnsafePointer<CChar>?, _ length: Int32) -> Int32 {
    guard let bio, let data, length > 0 else { return 0 }
    kp_BIO_clear_retry_flags(bio)
    while true {
        let sent = send(descriptor(of: bio), data, Int(length), Int32(MSG_NOSIGNAL))
        if sent >= 0 { return Int32(sent) }
        if errno == EINTR { continue }
        if errno == EAGAIN || errno == EWOULDBLOCK { kp_BIO_set_retry_write(bio) }
        return -1
    }
}

private func socketRead(_ bio: OpaquePointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ length: Int32) -> Int32 {
    guard let bio, let buffer, length > 0 else { return 0 }
    kp_BIO_clear_retry_flags(bio)
    while true {
        let received = recv(descriptor(of: bio), buffer, Int(length), 0)
        if received >= 0 { return Int32(received) }
        if errno == EINTR { continue }
        if errno == EAGAIN || errno == EWOULDBLOCK { kp_BIO_set_retry_read(bio) }
        return -1
    }
}

/// Only FLUSH matters to libssl (sends are unbuffered, so it succeeds); everything else is
/// "not supported".
private func socketControl(
    _ bio: OpaquePointer?, _ command: Int32, _ argument: Int, _ pointer: UnsafeMutableRawPointer?
) -> Int {
    command == BIO_CTRL_FLUSH ? 1 : 0
}
