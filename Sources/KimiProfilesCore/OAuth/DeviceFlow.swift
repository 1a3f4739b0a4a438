/// The Device Authorization Grant (RFC 8628) as SPEC §7 asks: poll at `interval`, add 5 s for
/// good on every `slow_down`, stop on `access_denied`, and on `expired_token` (or when the code's
/// lifetime has passed) start over with a new code, at most three times.
///
/// Nothing is written anywhere until the caller stores the tokens this returns, so an interrupted
/// login leaves the vault as it was.
public struct DeviceFlow: Sendable {
    /// What the user needs to see, and the flow's progress.
    public enum Event: Sendable {
        /// A code to approve: show `userCode`, open `verificationURIComplete`.
        case code(userCode: String, verificationURI: String, verificationURIComplete: String, expiresIn: Double, attempt: Int)
        /// Still waiting; `remaining` seconds until the code expires.
        case waiting(remaining: Double)
        /// The server asked to poll less often; the interval is now `interval` seconds.
        case slowedDown(interval: Double)
        /// The code expired; a new one follows.
        case expired
    }

    public let client: OAuthClient
    public let maximumCodes: Int

    public init(client: OAuthClient, maximumCodes: Int = 3) {
        self.client = client
        self.maximumCodes = maximumCodes
    }

    /// Runs the flow to an approved grant.
    public func run(_ observe: (Event) -> Void) throws -> OAuthClient.TokenGrant {
        for attempt in 1...maximumCodes {
            let authorization = try client.requestDeviceAuthorization()
            observe(
                .code(
                    userCode: authorization.userCode, verificationURI: authorization.verificationURI,
                    verificationURIComplete: authorization.verificationURIComplete,
                    expiresIn: authorization.expiresIn, attempt: attempt))
            if let grant = try poll(authorization, observe) { return grant }
            observe(.expired)
        }
        throw OAuthError.deviceCodeExpired(attempts: maximumCodes)
    }

    /// Polls one code until it is approved (the grant), expires (nil), or fails (throws).
    private func poll(
        _ authorization: OAuthClient.DeviceAuthorization, _ observe: (Event) -> Void
    ) throws -> OAuthClient.TokenGrant? {
        let deadline = client.clock.now() + authorization.expiresIn
        var interval = authorization.interval
        while true {
            // RFC 8628 §3.5: wait an interval before each poll, the first one included.
            client.sleeper.sleep(interval)
            let remaining = deadline - client.clock.now()
            if remaining <= 0 { return nil }
            switch try client.poll(deviceCode: authorization.deviceCode) {
            case let .approved(grant):
                return grant
            case .pending:
                observe(.waiting(remaining: deadline - client.clock.now()))
            case .slowDown:
                interval += 5
                client.log("slow_down: polling every \(Int(interval)) s")
                observe(.slowedDown(interval: interval))
            case .expired:
                return nil
            case .denied:
                throw OAuthError.accessDenied
            }
        }
    }
}
