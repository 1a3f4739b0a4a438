/// A connected byte stream, plain TCP or TLS over TCP, whose every wait ends at a deadline.
///
/// The client and the server read and write through this one seam, so framing, limits and
/// timeouts are written once for both and for both kinds of connection.
protocol ByteStream: AnyObject {
    /// Reads at least one byte into `buffer`; 0 means the peer closed the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(TransportError) -> Int

    /// Writes every byte of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(TransportError)

    /// Ends the stream (a TLS close_notify first, where there is one) and releases the socket.
    func close()
}

/// Why a read or write on a `ByteStream` failed. Carries no host: the caller knows which
/// connection it was using and what it was doing, and says so in its own error.
enum TransportError: Error, Equatable, Sendable {
    /// The deadline passed before the operation could finish.
    case timedOut
    /// The peer closed or reset the connection (EOF where bytes were due, `EPIPE`, `ECONNRESET`).
    case closed
    /// A system call failed.
    case system(Errno)
    /// OpenSSL reported an error (its reason string).
    case tls(String)
}
