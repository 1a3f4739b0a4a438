/// Why an HTTP exchange failed: one lowercase clause naming what failed and where.
///
/// Messages name hosts, ports, statuses and limits, never a header value or a body, which may
/// hold a credential.
public enum HTTPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The stage of an exchange at which a timeout or a closed connection struck.
    public enum Phase: Sendable {
        case connecting
        case proxyTunnel
        case tlsHandshake
        case sendingRequest
        case waitingForResponse
        case readingBody

        var clause: String {
            switch self {
            case .connecting: return "connecting to"
            case .proxyTunnel: return "opening the proxy tunnel to"
            case .tlsHandshake: return "during the TLS handshake with"
            case .sendingRequest: return "sending the request to"
            case .waitingForResponse: return "waiting for the response from"
            case .readingBody: return "reading the response body from"
            }
        }
    }

    /// The request cannot be sent as it is (a method, header name or value that HTTP forbids).
    case invalidRequest(String)
    /// Plain `http://` to a host other than 127.0.0.1, ::1 or localhost; refused before connecting.
    case plainHTTP(host: String)
    /// `HTTPS_PROXY` / `https_proxy` is not an `http://host:port` URL (its value is not repeated:
    /// it may hold a password).
    case invalidProxy(variable: String)
    case nameResolution(host: String, reason: String)
    case connectionRefused(host: String, port: Int)
    case connectionFailed(host: String, port: Int, reason: String)
    case timeout(Phase, host: String)
    /// The trust store, `trustRoots` or a server certificate could not be loaded.
    case tlsConfiguration(reason: String)
    case tlsHandshake(host: String, reason: String)
    /// The server's certificate was refused; `reason` is OpenSSL's
    /// (`X509_verify_cert_error_string`: "certificate has expired", "hostname mismatch", …).
    case certificateVerification(host: String, reason: String)
    /// The proxy answered CONNECT with a status other than 2xx.
    case proxyRefused(proxy: String, host: String, status: Int)
    case malformedResponse(host: String, reason: String)
    case headersTooLarge(host: String, limit: Int)
    case responseTooLarge(host: String, limit: Int)
    /// The peer closed (or reset) the connection before the exchange was complete.
    case connectionClosed(Phase, host: String)
    /// A read or write failed for another reason.
    case network(Phase, host: String, reason: String)
    /// `HTTPServer` could not listen on 127.0.0.1:`port` (or start its accept thread).
    case cannotListen(port: Int, reason: String)

    public var description: String {
        switch self {
        case let .invalidRequest(what):
            return "invalid request: \(what)"
        case let .plainHTTP(host):
            return "refusing plain http:// to \(host): only 127.0.0.1, ::1 and localhost may use http://"
        case let .invalidProxy(variable):
            return "the proxy in \(variable) is not an http://host:port URL"
        case let .nameResolution(host, reason):
            return "cannot resolve \(host): \(reason)"
        case let .connectionRefused(host, port):
            return "connection refused by \(Self.endpoint(host, port))"
        case let .connectionFailed(host, port, reason):
            return "cannot connect to \(Self.endpoint(host, port)): \(reason)"
        case let .timeout(phase, host):
            return "timed out \(phase.clause) \(host)"
        case let .tlsConfiguration(reason):
            return "cannot set up TLS: \(reason)"
        case let .tlsHandshake(host, reason):
            return "the TLS handshake with \(host) failed: \(reason)"
        case let .certificateVerification(host, reason):
            return "the certificate of \(host) was refused: \(reason)"
        case let .proxyRefused(proxy, host, status):
            return "proxy \(proxy) refused the tunnel to \(host) with status \(status)"
        case let .malformedResponse(host, reason):
            return "malformed response from \(host): \(reason)"
        case let .headersTooLarge(host, limit):
            return "response headers from \(host) exceed \(limit) bytes"
        case let .responseTooLarge(host, limit):
            return "response from \(host) is larger than \(limit) bytes"
        case let .connectionClosed(phase, host):
            return "connection closed \(phase.closedClause) \(host)"
        case let .network(phase, host, reason):
            return "network error \(phase.clause) \(host): \(reason)"
        case let .cannotListen(port, reason):
            return "cannot listen on 127.0.0.1:\(port): \(reason)"
        }
    }

    /// Whether trying again later may succeed: network trouble and timeouts, as opposed to a
    /// refused certificate, a forbidden URL or a reply that broke a limit. OAuth retries these
    /// (SPEC §7: "network errors are retried").
    public var isTransient: Bool {
        switch self {
        case .nameResolution, .connectionRefused, .connectionFailed, .timeout, .tlsHandshake,
            .proxyRefused, .connectionClosed, .network:
            return true
        case .invalidRequest, .plainHTTP, .invalidProxy, .tlsConfiguration, .certificateVerification,
            .malformedResponse, .headersTooLarge, .responseTooLarge, .cannotListen:
            return false
        }
    }

    private static func endpoint(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

extension HTTPError.Phase {
    fileprivate var closedClause: String {
        switch self {
        case .connecting: return "while connecting to"
        case .proxyTunnel: return "by the proxy while opening the tunnel to"
        case .tlsHandshake: return "during the TLS handshake with"
        case .sendingRequest: return "while sending the request to"
        case .waitingForResponse: return "before a response came from"
        case .readingBody: return "before the whole response body came from"
        }
    }
}
