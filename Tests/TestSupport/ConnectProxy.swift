import Foundation

/// A minimal HTTPS proxy on 127.0.0.1: it reads `CONNECT host:port`, records the request line,
/// answers, and relays bytes both ways to a loopback port of the test's choosing (whatever host
/// was named), so that a request for a made-up name reaches a local TLS server.
public final class ConnectProxy: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private var server: RawTCPServer!

    public var port: Int { server.port }

    /// The CONNECT request lines received so far (`CONNECT api.kimi.test:443 HTTP/1.1`).
    public var requestLines: [String] { lock.withLock { lines } }

    /// Relays to 127.0.0.1:`targetPort`; `status` other than 200 refuses every tunnel with it.
    public init(targetPort: Int, status: Int = 200) {
        server = RawTCPServer { [self] client in
            guard let head = client.readHead() else { return }
            let line = String(head.prefix { !$0.isNewline })
            lock.withLock { lines.append(line) }
            guard line.hasPrefix("CONNECT "), status == 200, let upstream = RawSocket.connect(port: targetPort) else {
                client.write("HTTP/1.1 \(status == 200 ? 502 : status) Refused\r\nContent-Length: 0\r\n\r\n")
                return
            }
            client.write("HTTP/1.1 200 Connection established\r\n\r\n")
            Self.relay(client, upstream)
            upstream.close()
        }
    }

    public func stop() { server.stop() }

    /// Copies bytes between the two sockets until either side closes.
    private static func relay(_ a: RawSocket, _ b: RawSocket) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            var entries = [
                pollfd(fd: a.fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: b.fd, events: Int16(POLLIN), revents: 0),
            ]
            guard poll(&entries, 2, 10_000) > 0 else { return }
            for (index, entry) in entries.enumerated() where entry.revents != 0 {
                let (from, to) = index == 0 ? (a, b) : (b, a)
                let count = buffer.withUnsafeMutableBytes { recv(from.fd, $0.baseAddress, $0.count, 0) }
                guard count > 0, to.write(Array(buffer[0..<count])) else { return }
            }
        }
    }
}
