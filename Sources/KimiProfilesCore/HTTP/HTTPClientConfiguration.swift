/// Timeouts, limits, identity and environment for an `HTTPClient`.
public struct HTTPClientConfiguration: Sendable {
    /// Seconds allowed for name resolution's connection attempts and for the TCP connect, the
    /// proxy tunnel and the TLS handshake each.
    public var connectTimeout: Double
    /// Seconds of silence allowed while waiting for a response or for more of its body.
    public var readTimeout: Double
    /// Seconds allowed for a whole exchange with `send`; with `stream`, until the response head
    /// has arrived (a stream then lasts as long as bytes keep coming within `readTimeout`).
    public var totalTimeout: Double
    /// The largest response head accepted.
    public var maxHeaderBytes: Int
    /// The largest body `send` will read; `stream` has no limit.
    public var maxBodyBytes: Int
    /// Sent as `User-Agent` when the request has none.
    public var userAgent: String
    /// The variables that choose the proxy (`https_proxy`, `HTTPS_PROXY`, `no_proxy`,
    /// `NO_PROXY`) and the trust store (`SSL_CERT_FILE`, `SSL_CERT_DIR`); usually the process's
    /// environment, passed in so that tests can set their own.
    public var environment: [String: String]
    /// A PEM file of certificates to trust in addition to the trust store (tests' own CA).
    public var trustRoots: String?
    /// Numeric addresses to connect to instead of resolving a host name (as curl's `--resolve`),
    /// so that tests can give a loopback server a name that is not loopback.
    var addressOverrides: [String: String] = [:]

    /// The defaults: 10 s to connect, 30 s of silence, 120 s in all, 64 KiB of response head,
    /// 8 MiB of body, no environment (so no proxy and the system trust store).
    public init(
        connectTimeout: Double = 10, readTimeout: Double = 30, totalTimeout: Double = 120,
        maxHeaderBytes: Int = 64 * 1024, maxBodyBytes: Int = 8 * 1024 * 1024,
        userAgent: String = "kimi-profiles", environment: [String: String] = [:], trustRoots: String? = nil
    ) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.totalTimeout = totalTimeout
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.userAgent = userAgent
        self.environment = environment
        self.trustRoots = trustRoots
    }
}
