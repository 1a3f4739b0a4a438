import Foundation

/// A plain TCP socket for tests that must send or answer bytes that no well-behaved HTTP
/// peer would: garbage status lines, bad chunk sizes, requests that never finish.
public final class RawSocket: @unchecked Sendable {
    // Used by one thread at a time; `close()` may come from another to cut a stuck peer.
    private let lock = NSLock()
    private var descriptor: Int32
    /// Everything read so far.
    public private(set) var received: [UInt8] = []

    public init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close() }

    /// Connects to 127.0.0.1:`port`; nil when nothing listens.
    public static func connect(port: Int) -> RawSocket? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            Glibc.close(fd)
            return nil
        }
        return RawSocket(descriptor: fd)
    }

    /// 127.0.0.1:`port` as a `sockaddr_in`.
    public static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    public var fd: Int32 { lock.withLock { descriptor } }

    /// Writes all of `bytes`; false when the peer has gone.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { return false }
            offset += count
        }
        return true
    }

    @discardableResult
    public func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// Reads what is available within `timeout` seconds; false at the end of the stream, on an
    /// error, or when nothing came in time.
    @discardableResult
    public func readSome(timeout: Double = 5) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(timeout * 1000)) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        received += buffer[0..<count]
        return true
    }

    /// Reads until the blank line that ends a head, and returns the head as text.
    public func readHead(timeout: Double = 5) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let end = received.firstRange(of: Array("\r\n\r\n".utf8)) {
                return String(decoding: received[..<end.upperBound], as: UTF8.self)
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0, readSome(timeout: left) else { return nil }
        }
    }

    /// Reads until the peer closes (or `timeout` passes) and returns everything as text.
    public func readAll(timeout: Double = 5) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0, readSome(timeout: deadline.timeIntervalSinceNow) {}
        return String(decoding: received, as: UTF8.self)
    }

    /// Whether the peer has closed the connection (read returns end of stream within `timeout`).
    public func isClosedByPeer(timeout: Double = 5) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(timeout * 1000)) > 0 else { return false }
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, 0)
        if count > 0 { received.append(byte) }
        return count <= 0
    }

    public func shutdownWrite() { _ = shutdown(fd, Int32(SHUT_WR)) }

    public func close() {
        lock.withLock {
            if descriptor >= 0 { Glibc.close(descriptor) }
            descriptor = -1
        }
    }
}
