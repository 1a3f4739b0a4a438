import Foundation

/// A TCP server on 127.0.0.1 that hands each connection to a script on a thread of its own,
/// for answering an HTTP client with whatever bytes a test needs.
public final class RawTCPServer: @unchecked Sendable {
    public let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var stopped = false
    private var open: [RawSocket] = []
    private let group = DispatchGroup()

    /// Listens on an ephemeral port; `script` runs once per accepted connection, which is closed
    /// when the script returns.
    public init(script: @escaping @Sendable (RawSocket) -> Void) {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        var one: Int32 = 1
        setsockopt(listening, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = RawSocket.loopback(port: 0)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listening, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        Glibc.listen(listening, 64)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listening, $0, &length) }
        }
        listener = listening
        port = Int(UInt16(bigEndian: address.sin_port))
        group.enter()
        Thread.detachNewThread { [self] in
            defer { group.leave() }
            while true {
                var entry = pollfd(fd: listening, events: Int16(POLLIN), revents: 0)
                let ready = poll(&entry, 1, 20)
                if lock.withLock({ stopped }) { return }
                guard ready > 0 else { continue }
                let fd = accept(listening, nil, nil)
                guard fd >= 0 else { continue }
                let connection = RawSocket(descriptor: fd)
                lock.withLock { open.append(connection) }
                group.enter()
                Thread.detachNewThread { [self] in
                    defer { group.leave() }
                    script(connection)
                    connection.close()
                }
            }
        }
    }

    deinit { stop() }

    /// Stops accepting, closes every connection and waits for the scripts to return.
    public func stop() {
        let connections: [RawSocket]? = lock.withLock {
            if stopped { return nil }
            stopped = true
            return open
        }
        guard let connections else { return }
        for connection in connections { shutdown(connection.fd, Int32(SHUT_RDWR)) }
        group.wait()
        Glibc.close(listener)
    }
}
