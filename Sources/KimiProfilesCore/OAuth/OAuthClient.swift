/// Kimi's OAuth endpoints (KIMI-PROTOCOL §1): device authorization, the device-code poll and
/// the refresh grant, each a form POST answered with JSON.
///
/// 429, 5xx and network failures are retried three times in all, after 1 s and 2 s (SPEC §7);
/// everything else is returned or thrown at once.
public struct OAuthClient: Sendable {
    public let host: HTTPURL
    public let clientID: String
    public let transport: any HTTPTransport
    public let identity: IdentityHeaders
    public let sleeper: Sleeper
    public let log: DebugLog
    public let clock: Clock

    public init(
        host: HTTPURL, clientID: String, transport: any HTTPTransport, identity: IdentityHeaders,
        sleeper: Sleeper = .system, log: DebugLog = .off, clock: Clock = .system
    ) {
        self.host = host
        self.clientID = clientID
        self.transport = transport
        self.identity = identity
        self.sleeper = sleeper
        self.log = log
        self.clock = clock
    }

    /// The device-authorization reply.
    public struct DeviceAuthorization: Sendable {
        public let deviceCode: Secret
        public let userCode: String
        public let verificationURI: String
        public let verificationURIComplete: String
        /// Seconds the device code is valid.
        public let expiresIn: Double
        /// Seconds between polls.
        public let interval: Double
    }

    /// The result of one poll of the token endpoint.
    public enum PollResult: Sendable {
        case approved(TokenGrant)
        case pending
        case slowDown
        case expired
        case denied
    }

    /// Tokens from the token endpoint.
    public struct TokenGrant: Sendable {
        public let accessToken: Secret
        public let refreshToken: Secret
        /// Seconds, from `expires_in`.
        public let lifetime: Int64

        /// The grant as stored tokens, expiring `lifetime` seconds after `now`.
        public func tokens(now: Int64, account: Secret? = nil) -> OAuthTokens {
            OAuthTokens(
                accessToken: accessToken, refreshToken: refreshToken, expiresAt: now + lifetime,
                lifetime: lifetime, account: account)
        }
    }

    static let deviceGrantType = "urn:ietf:params:oauth:grant-type:device_code"

    /// Asks for a device code and a user code.
    public func requestDeviceAuthorization() throws -> DeviceAuthorization {
        var form = FormBody()
        form.add("client_id", clientID)
        let endpoint = host.appending("/api/oauth/device_authorization").description
        let response = try post(form, to: endpoint)
        let json = try parse(response, endpoint)
        guard response.status == 200 else { throw error(from: json, status: response.status, endpoint) }
        guard let deviceCode = json.secret("device_code"), let userCode = json.text("user_code"),
            let complete = json.text("verification_uri_complete") ?? json.text("verification_uri")
        else {
            throw OAuthError.malformedResponse(
                endpoint: endpoint, detail: "device_code, user_code or verification_uri missing")
        }
        return DeviceAuthorization(
            deviceCode: deviceCode, userCode: userCode,
            verificationURI: json.text("verification_uri") ?? complete,
            verificationURIComplete: complete,
            expiresIn: Self.bounded(json.number("expires_in"), 1...86400) ?? 900,
            interval: Self.bounded(json.number("interval"), 1...60) ?? 5)
    }

    /// Polls once with `deviceCode`.
    public func poll(deviceCode: Secret) throws -> PollResult {
        var form = FormBody()
        form.add("client_id", clientID)
        form.add("device_code", secret: deviceCode)
        form.add("grant_type", Self.deviceGrantType)
        let endpoint = host.appending("/api/oauth/token").description
        let response = try post(form, to: endpoint)
        let json = try parse(response, endpoint)
        if response.status == 200, json.secret("access_token") != nil {
            return .approved(try grant(from: json, endpoint))
        }
        switch Self.errorCode(json) {
        case "authorization_pending": return .pending
        case "slow_down": return .slowDown
        case "expired_token": return .expired
        case "access_denied": return .denied
        default: throw error(from: json, status: response.status, endpoint)
        }
    }

    /// Trades `refreshToken` for new tokens. A rejected token throws `loginRequired`.
    public func refresh(_ refreshToken: Secret, profile: String) throws -> TokenGrant {
        var form = FormBody()
        form.add("client_id", clientID)
        form.add("grant_type", "refresh_token")
        form.add("refresh_token", secret: refreshToken)
        let endpoint = host.appending("/api/oauth/token").description
        let response = try post(form, to: endpoint)
        if response.status == 401 || response.status == 403 {
            if let json = SecretJSON.parse(response.body), Self.errorCode(json) == "invalid_client" {
                throw OAuthError.invalidClient(clientID: clientID)
            }
            throw OAuthError.loginRequired(profile: profile)
        }
        let json = try parse(response, endpoint)
        guard response.status == 200 else {
            if Self.errorCode(json) == "invalid_grant" { throw OAuthError.loginRequired(profile: profile) }
            throw error(from: json, status: response.status, endpoint)
        }
        return try grant(from: json, endpoint)
    }

    // MARK: Plumbing

    /// POSTs the form, retrying 429, 5xx and network failures (1 s, then 2 s).
    func post(_ form: FormBody, to endpoint: String) throws -> HTTPResponse {
        let url = HTTPURL(endpoint)!
        var headers = identity.headers()
        headers.add("Content-Type", "application/x-www-form-urlencoded")
        headers.add("Accept", "application/json")
        let request = HTTPRequest(method: "POST", url: url, headers: headers, body: form.encoded())
        let delays = [1.0, 2.0]
        var attempt = 0
        while true {
            let started = clock.now()
            do {
                let response = try transport.send(request)
                log("POST \(url) -> \(response.status) (\(Self.milliseconds(since: started, clock)) ms)")
                let retryable = response.status == 429 || (500...599).contains(response.status)
                if !retryable || attempt == delays.count { return response }
            } catch {
                log("POST \(url) failed: \(error) (\(Self.milliseconds(since: started, clock)) ms)")
                if attempt == delays.count {
                    throw OAuthError.network(endpoint: url.description, detail: "\(error)")
                }
            }
            log("retrying in \(Int(delays[attempt])) s")
            sleeper.sleep(delays[attempt])
            attempt += 1
        }
    }

    private func parse(_ response: HTTPResponse, _ endpoint: String) throws -> SecretJSON {
        guard let json = SecretJSON.parse(response.body), case .object = json else {
            if response.status != 200 {
                throw OAuthError.server(endpoint: endpoint, status: response.status, code: nil, message: nil)
            }
            throw OAuthError.malformedResponse(endpoint: endpoint, detail: "the body is not a JSON object")
        }
        return json
    }

    private func grant(from json: SecretJSON, _ endpoint: String) throws -> TokenGrant {
        guard let access = json.secret("access_token"), let refresh = json.secret("refresh_token") else {
            throw OAuthError.malformedResponse(endpoint: endpoint, detail: "access_token or refresh_token missing")
        }
        // The old refresh token is spent once the server has answered: tokens without a usable
        // lifetime are kept, as expired, rather than lost (the next use refreshes them).
        guard let lifetime = Self.bounded(json.number("expires_in"), 1...31_536_000) else {
            log("\(endpoint): expires_in missing or out of range; keeping the tokens as already expired")
            return TokenGrant(accessToken: access, refreshToken: refresh, lifetime: 0)
        }
        return TokenGrant(accessToken: access, refreshToken: refresh, lifetime: Int64(lifetime))
    }

    private func error(from json: SecretJSON, status: Int, _ endpoint: String) -> OAuthError {
        let code = Self.errorCode(json)
        if code == "invalid_client" { return .invalidClient(clientID: clientID) }
        return .server(endpoint: endpoint, status: status, code: code, message: Self.errorMessage(json))
    }

    /// `value` when it is a finite number within `range`.
    static func bounded(_ value: Double?, _ range: ClosedRange<Double>) -> Double? {
        guard let value, value.isFinite, range.contains(value) else { return nil }
        return value
    }

    /// The error code, in the RFC form `{"error":"x"}` or the nested `{"error":{"code":"x"}}`.
    static func errorCode(_ json: SecretJSON) -> String? {
        if let code = json.text("error") { return code }
        if let nested = json["error"] { return nested.text("code") ?? nested.text("type") }
        return nil
    }

    /// A short, printable description from the server, if it sent one.
    static func errorMessage(_ json: SecretJSON) -> String? {
        let text = json.text("error_description") ?? json["error"]?.text("message") ?? json.text("message")
            ?? json.text("detail")
        guard let text else { return nil }
        let printable = String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }.prefix(200))
        return printable.isEmpty ? nil : printable
    }

    static func milliseconds(since start: Double, _ clock: Clock) -> Int {
        Int(((clock.now() - start) * 1000).rounded())
    }
}
