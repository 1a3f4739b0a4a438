#if canImport(Glibc)
import Glibc
#endif

/// A TCP socket descriptor, non-blocking from birth, closed when the value is freed.
///
/// The socket stays non-blocking after connecting: every read and write first waits in `poll()`
/// for at most the time left before its deadline, then makes one non-blocking call. A blocking
/// socket with a `poll()` in front would do for plain reads, but under TLS a readable socket may
/// hold only part of a record, and a blocking `recv` could then outlive the deadline.
///
/// Writes use `send(…, MSG_NOSIGNAL)`: a peer that has gone away yields `EPIPE` instead of a
/// SIGPIPE that would kill the process.
final class TCPSocket: ByteStream {
    private(set) var descriptor: Int32

    /// Adopts `descriptor`, making it non-blocking and close-on-exec (an exec'd command must
    /// not inherit it; `accept` on Linux cannot set the flag without the GNU `accept4`).
    init(adopting descriptor: Int32) {
        self.descriptor = descriptor
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0, flags & O_NONBLOCK == 0 { _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) }
        let fdFlags = fcntl(descriptor, F_GETFD)
        if fdFlags >= 0, fdFlags & FD_CLOEXEC == 0 { _ = fcntl(descriptor, F_SETFD, fdFlags | FD_CLOEXEC) }
        setNoDelay()
    }

    deinit { close() }

    /// Connects to `host:port`, trying each of its addresses in turn until one answers.
    ///
    /// Each address gets an equal share of the time left, so a first address that drops
    /// packets cannot use up the whole budget. `requireLoopback` refuses any resolved address
    /// outside 127.0.0.0/8 and ::1 (the check behind plain `http://`, in case `localhost` is
    /// mapped elsewhere). `numericHost` replaces the lookup (tests map a name to 127.0.0.1).
    static func connect(
        host: String, port: Int, deadline: Deadline, numericHost: String? = nil,
        requireLoopback: Bool = false
    ) throws(HTTPError) -> TCPSocket {
        var addresses = try SocketAddress.resolve(host: numericHost ?? host, port: port)
        if requireLoopback {
            addresses = addresses.filter(\.isLoopback)
            if addresses.isEmpty { throw .plainHTTP(host: host) }
        }
        var refused = false
        var timedOut = false
        var lastError = Errno(rawValue: ECONNREFUSED)
        for (index, address) in addresses.enumerated() {
            let share = deadline.secondsLeft / Double(addresses.count - index)
            let attemptDeadline = index == addresses.count - 1 ? deadline : Deadline.after(share)
            do {
                return try connect(to: address, deadline: attemptDeadline)
            } catch .timedOut {
                timedOut = true
            } catch let .system(error) {
                if error.rawValue == ECONNREFUSED { refused = true }
                lastError = error
            } catch {
                lastError = Errno(rawValue: EIO)
            }
            if deadline.hasPassed { break }
        }
        if refused { throw .connectionRefused(host: host, port: port) }
        if timedOut { throw .timeout(.connecting, host: host) }
        throw .connectionFailed(host: host, port: port, reason: lastError.description)
    }

    /// One non-blocking `connect`, then `poll()` for the result.
    private static func connect(to address: SocketAddress, deadline: Deadline) throws(TransportError) -> TCPSocket {
        let type = Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
        let descriptor = socket(address.family, type, Int32(IPPROTO_TCP))
        if descriptor < 0 { throw .system(.current) }
        let socket = TCPSocket(adopting: descriptor)
        let result = address.withSockaddr { Glibc.connect(descriptor, $0, $1) }
        if result != 0 {
            let error = Errno.current
            // EINTR: the connection goes on in the background, exactly as with EINPROGRESS;
            // calling connect again would only say EALREADY.
            guard error.rawValue == EINPROGRESS || error == .interrupted else { throw .system(error) }
            try socket.wait(forWriting: true, deadline: deadline)
            var pending: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &pending, &length) != 0 {
                throw .system(.current)
            }
            if pending != 0 { throw .system(Errno(rawValue: pending)) }
        }
        return socket
    }

    /// Waits until the socket is readable (or writable), or the deadline passes.
    ///
    /// An error or hang-up condition counts as ready, so that the next call reports it.
    func wait(forWriting: Bool, deadline: Deadline) throws(TransportError) {
        var entry = pollfd(fd: descriptor, events: Int16(forWriting ? POLLOUT : POLLIN), revents: 0)
        while true {
            let timeout = deadline.millisecondsLeft
            let ready = poll(&entry, 1, timeout)
            if ready > 0 { return }
            if ready == 0 { throw .timedOut }
            let error = Errno.current
            if error != .interrupted { throw .system(error) }
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(TransportError) -> Int {
        while true {
            let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if count >= 0 { return count }
            let error = Errno.current
            switch error.rawValue {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: try wait(forWriting: false, deadline: deadline)
            case ECONNRESET: throw .closed
            default: throw .system(error)
            }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(TransportError) {
        var offset = 0
        while offset < bytes.count {
            let count = send(descriptor, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if count >= 0 {
                offset += count
                continue
            }
            let error = Errno.current
            switch error.rawValue {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: try wait(forWriting: true, deadline: deadline)
            case EPIPE, ECONNRESET: throw .closed
            default: throw .system(error)
            }
        }
    }

    /// Stops both directions without releasing the descriptor, which wakes a thread blocked
    /// on it (the server's `stop()` does this to its connections).
    func shutdown() {
        if descriptor >= 0 { _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR)) }
    }

    /// Stops sending (FIN) but keeps reading.
    func shutdownWrite() {
        if descriptor >= 0 { _ = Glibc.shutdown(descriptor, Int32(SHUT_WR)) }
    }

    func close() {
        guard descriptor >= 0 else { return }
        // Not retried on EINTR: on Linux the descriptor is released even then.
        _ = Glibc.close(descriptor)
        descriptor = -1
    }

    /// Small writes (a streamed chunk, a request head) go out at once instead of waiting for
    /// an acknowledgement (Nagle's algorithm would hold them back up to 40 ms).
    private func setNoDelay() {
        var one: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }
}
