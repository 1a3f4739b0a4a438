import KimiProfilesCore

/// The live network transport.
public enum NetworkTransport {
    @Sendable public static func make(_ environment: [String: String]) -> any HTTPTransport {
        UnavailableTransport()
    }
}

/// Placeholder until the HTTP client lands.
struct UnavailableTransport: HTTPTransport {
    func send(_ request: HTTPRequest) throws -> HTTPResponse {
        throw OAuthError.network(endpoint: request.url.description, detail: "networking is not built into this version")
    }
}

/// Builds the real transport only when a request is actually sent.
struct LazyTransport: HTTPTransport, @unchecked Sendable {
    let make: () -> any HTTPTransport
    func send(_ request: HTTPRequest) throws -> HTTPResponse { try make().send(request) }
}

/// Lets a `@Sendable` log closure write to the (non-Sendable) stderr stream. The CLI is
/// single-threaded, so the stream is only ever used from one thread.
struct UncheckedOutput: @unchecked Sendable {
    let output: Output
}
