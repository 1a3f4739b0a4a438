/// How far the local clock is from a server's, read from the `Date` header of one `HEAD`
/// request. Token expiry is decided by the local clock, so a clock minutes off makes fresh
/// tokens look expired (or the reverse).
public enum ServerClock {
    /// What one attempt found.
    public enum Reading: Sendable, Equatable {
        /// Server time minus local time, in seconds (positive: the local clock is behind).
        case skew(Double)
        /// The server could not be reached (no network, refused, timed out); not a fault here.
        case offline(String)
        /// The server answered but without a usable `Date`, or TLS or the URL failed.
        case unavailable(String)
    }

    /// Sends `HEAD /` to `origin` through `transport` and compares its `Date` with `clock`,
    /// using the midpoint of the exchange (the header has one-second resolution anyway).
    public static func read(origin: HTTPURL, transport: any HTTPTransport, clock: Clock) -> Reading {
        guard let root = HTTPURL("\(origin.scheme)://\(origin.authority)/") else {
            return .unavailable("unusable URL")
        }
        let sent = clock.now()
        let response: HTTPResponse
        do {
            response = try transport.send(HTTPRequest(method: "HEAD", url: root))
        } catch let error as HTTPError {
            return error.isTransient ? .offline(error.description) : .unavailable(error.description)
        } catch {
            return .unavailable("\(error)")
        }
        let received = clock.now()
        guard let header = response.head.headers.value("Date") else {
            return .unavailable("\(origin.host) sent no Date header")
        }
        guard let server = HTTPDate.parse(header) else {
            return .unavailable("\(origin.host) sent an unreadable Date header")
        }
        return .skew(Double(server) - (sent + received) / 2)
    }
}
