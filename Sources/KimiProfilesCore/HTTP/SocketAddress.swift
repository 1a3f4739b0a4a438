#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address, as `getaddrinfo` returns and `connect` takes.
struct SocketAddress: Sendable {
    private(set) var storage = sockaddr_storage()
    let length: socklen_t

    var family: Int32 { Int32(storage.ss_family) }

    init(copying address: UnsafePointer<sockaddr>, length: socklen_t) {
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(
                from: UnsafeRawBufferPointer(start: address, count: min(Int(length), target.count)))
        }
        self.storage = storage
        self.length = length
    }

    /// The addresses of `host` for TCP `port`, IPv6 and IPv4, in the resolver's order.
    ///
    /// `getaddrinfo` has no timeout of its own: it waits as long as resolv.conf's `timeout` and
    /// `attempts` allow. Numeric hosts (`127.0.0.1`, `::1`) resolve without any lookup.
    static func resolve(host: String, port: Int) throws(HTTPError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        var status: Int32
        repeat {
            status = getaddrinfo(host, String(port), &hints, &list)
        } while status == EAI_SYSTEM && errno == EINTR
        guard status == 0 else {
            let reason =
                status == EAI_SYSTEM
                ? Errno.current.description : Self.lowercased(String(cString: gai_strerror(status)))
            throw .nameResolution(host: host, reason: reason)
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry = list
        while let info = entry?.pointee {
            if let address = info.ai_addr, info.ai_family == AF_INET || info.ai_family == AF_INET6 {
                addresses.append(SocketAddress(copying: address, length: info.ai_addrlen))
            }
            entry = info.ai_next
        }
        if addresses.isEmpty { throw .nameResolution(host: host, reason: "no IPv4 or IPv6 address") }
        return addresses
    }

    /// Whether this is 127.0.0.0/8, ::1 or an IPv4-mapped 127.x address.
    var isLoopback: Bool {
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET {
                let address = raw.load(
                    fromByteOffset: MemoryLayout<sockaddr_in>.offset(of: \.sin_addr)!, as: in_addr.self)
                return UInt32(bigEndian: address.s_addr) >> 24 == 127
            }
            if family == AF_INET6 {
                let offset = MemoryLayout<sockaddr_in6>.offset(of: \.sin6_addr)!
                let bytes = Array(raw[offset..<offset + 16])
                let loopback6: [UInt8] = Array(repeating: 0, count: 15) + [1]
                let mapped = Array(repeating: UInt8(0), count: 10) + [0xff, 0xff]
                return bytes == loopback6 || (Array(bytes[0..<12]) == mapped && bytes[12] == 127)
            }
            return false
        }
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: storage) { raw in
            try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }

    /// Whether `text` is a numeric IPv4 or IPv6 address (which gets IP, not name, checks in TLS).
    static func isNumeric(_ text: String) -> Bool {
        var buffer = in6_addr()
        return inet_pton(AF_INET, text, &buffer) == 1 || inet_pton(AF_INET6, text, &buffer) == 1
    }

    private static func lowercased(_ message: String) -> String {
        guard let first = message.first else { return message }
        return first.lowercased() + message.dropFirst()
    }
}
