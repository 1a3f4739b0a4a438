import KimiProfilesCore

/// The live network transport: the project's own HTTP/1.1 client over libssl, with the
/// process's environment for proxies and the trust store.
public enum NetworkTransport {
    /// OAuth and usage requests are small: 10 s to connect, 20 s of silence and 30 s in all
    /// bound each try, so three tries of a refresh against a server that drips never hold a
    /// command for minutes. (The proxy's own client waits far longer for model responses.)
    @Sendable public static func make(_ environment: [String: String]) -> any HTTPTransport {
        HTTPClient(
            configuration: HTTPClientConfiguration(
                connectTimeout: 10, readTimeout: 20, totalTimeout: 30, userAgent: KimiProfilesVersion.userAgent,
                environment: environment))
    }
}

/// Builds the real transport only when a request is actually sent, once: `exec` with a fresh
/// token never sets up TLS.
final class LazyTransport: HTTPTransport, @unchecked Sendable {
    private let lock = Lock()
    private let make: () -> any HTTPTransport
    private var made: (any HTTPTransport)?

    init(_ make: @escaping () -> any HTTPTransport) { self.make = make }

    func send(_ request: HTTPRequest) throws -> HTTPResponse {
        let transport = lock.withLock {
            if let made { return made }
            let fresh = make()
            made = fresh
            return fresh
        }
        return try transport.send(request)
    }
}

/// Lets a `@Sendable` log closure write to the (non-Sendable) stderr stream. Lines are written
/// whole and flushed at once under a lock, so threads never interleave within a line.
struct UncheckedOutput: @unchecked Sendable {
    let output: Output
    private static let lock = Lock()

    init(output: Output) { self.output = output }

    func line(_ text: String) {
        Self.lock.withLock {
            output.line(text)
            output.flush()
        }
    }
}
