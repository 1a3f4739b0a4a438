/// Limits and timeouts for an `HTTPServer`.
public struct HTTPServerConfiguration: Sendable {
    /// A certificate chain and private key (PEM files) to serve HTTPS instead of plain HTTP.
    public struct TLS: Sendable {
        public var certificateChain: String
        public var privateKey: String

        /// Paths of PEM files: the certificate chain (leaf first) and its private key.
        public init(certificateChain: String, privateKey: String) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
        }
    }

    /// The port on 127.0.0.1; 0 lets the system choose one (see `HTTPServer.port`).
    public var port: Int
    /// Connections served at once, a thread each. A new one beyond that cuts the oldest
    /// connection still waiting for its head, or is closed at once when there is none.
    public var maxConnections: Int
    /// The largest request head accepted (431 beyond).
    public var maxHeaderBytes: Int
    /// The most header fields accepted (431 beyond).
    public var maxHeaderCount: Int
    /// The largest request body accepted (413 beyond).
    public var maxBodyBytes: Int
    /// Seconds allowed for the whole request head (and the TLS handshake) to arrive, so a client
    /// that trickles bytes cannot hold a thread for long (408 when it runs out).
    public var headerTimeout: Double
    /// Seconds of silence allowed while the request body arrives (408 when it runs out).
    public var readTimeout: Double
    /// Seconds a single write of the response may wait for the client to make room.
    public var writeTimeout: Double
    public var tls: TLS?

    /// The defaults: an ephemeral port, 256 connections, 64 KiB and 100 header fields, 16 MiB of
    /// body, 10 s for the head, 30 s of silence while reading or writing, plain HTTP.
    public init(
        port: Int = 0, maxConnections: Int = 256, maxHeaderBytes: Int = 64 * 1024, maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 16 * 1024 * 1024, headerTimeout: Double = 10, readTimeout: Double = 30,
        writeTimeout: Double = 30, tls: TLS? = nil
    ) {
        self.port = port
        self.maxConnections = maxConnections
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.headerTimeout = headerTimeout
        self.readTimeout = readTimeout
        self.writeTimeout = writeTimeout
        self.tls = tls
    }
}
