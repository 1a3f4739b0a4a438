import Foundation

/// Kimi's OAuth and API endpoints, played for the tests (KIMI-PROTOCOL §1–3): device
/// authorization, the token endpoint with device-code and refresh grants (refresh tokens rotate
/// and reject reuse), `/coding/v1/usages` and `/coding/v1/messages` (JSON or SSE).
///
/// The behaviour lives here as a plain request → reply function; `FakeKimiServer` puts it on
/// a loopback port with the project's own HTTP server.
public final class FakeKimi: @unchecked Sendable {
    /// A reply: JSON with a status, or a stream of server-sent events.
    public enum Reply: Sendable {
        case json(Int, String)
        case raw(Int, contentType: String, body: String)
        case events([String], delay: Double)
    }

    /// What a poll of a device code should see.
    public enum Decision: Sendable {
        case approveAfter(polls: Int)
        case denyAfter(polls: Int)
        case slowDownThenApprove(slowDowns: Int)
        /// The first `codes` device codes expire on their first poll; the next is approved.
        case expireCodes(Int)
        case never
    }

    private let lock = NSLock()

    // Configuration (set before the run).
    public var knownClients: Set<String> = ["17e5f671-d194-4dfb-9706-5516cb48c098", "test-client"]
    public var accessTokenLifetime = 900
    public var pollInterval = 1
    public var deviceCodeLifetime = 600
    public var decision: Decision = .approveAfter(polls: 1)
    /// Seconds a refresh grant takes to answer, so that concurrent clients overlap.
    public var refreshDelay = 0.0

    // State.
    private var devices: [String: Device] = [:]
    private var codesIssued = 0
    private var accounts: [String: Account] = [:]  // by current refresh token
    private var validAccessTokens: [String: Double] = [:]  // token → expiry (Unix seconds)
    private var injected: [Reply] = []
    private var counters: [String: Int] = [:]
    private var requestLog: [(method: String, path: String, headers: [String: String])] = []
    private var sentEvents: [Double] = []
    private var presented: [String] = []
    private var secretsIssued: [String] = []

    private struct Device {
        let userCode: String
        let index: Int
        var polls = 0
        var slowDownsSent = 0
    }

    private struct Account {
        let id: Int
    }

    public init() {}

    // MARK: Test hooks

    /// Replies that the next token-endpoint requests get instead of the real answer.
    public func inject(_ replies: [Reply]) { lock.withLock { injected += replies } }

    /// How many refresh grants arrived (successful or not).
    public var refreshCount: Int { lock.withLock { counters["refresh", default: 0] } }
    /// How many refresh grants succeeded.
    public var successfulRefreshes: Int { lock.withLock { counters["refresh-ok", default: 0] } }
    public var devicePolls: Int { lock.withLock { counters["poll", default: 0] } }
    public var codesRequested: Int { lock.withLock { codesIssued } }

    /// The header sets of every request to `path`.
    public func headers(of path: String) -> [[String: String]] {
        lock.withLock { requestLog.filter { $0.path == path }.map(\.headers) }
    }

    /// Makes an access token the server accepts, with a matching refresh token, as a login
    /// would have; for tests that seed a vault directly.
    public func issueTokens(lifetime: Int? = nil) -> (access: String, refresh: String) {
        lock.withLock { issue(account: Account(id: accounts.count + 1), lifetime: lifetime) }
    }

    /// Revokes every refresh token (as a server-side logout would).
    public func revokeAll() { lock.withLock { accounts.removeAll() } }

    /// Makes every access token issued so far invalid, as if it had expired early; refresh
    /// tokens keep working.
    public func expireAccessTokens() { lock.withLock { validAccessTokens.removeAll() } }

    /// When the weekly and the 5-hour windows reset (Unix seconds): 3 days 4 hours and
    /// 2 hours 30 minutes after the fake was made, so a reset is never in the past.
    public var weeklyResetAt = Date().timeIntervalSince1970.rounded(.down) + 3 * 86400 + 4 * 3600
    public var fiveHourResetAt = Date().timeIntervalSince1970.rounded(.down) + 2 * 3600 + 30 * 60
    /// A `boosterWallet` JSON object to add to the `/usages` reply (none by default).
    public var boosterWallet: String?

    /// Seconds between server-sent events of a streamed message.
    public var eventDelay = 0.05

    /// When each server-sent event was written (Unix seconds), oldest first.
    public var eventTimes: [Double] { lock.withLock { sentEvents } }

    /// Called by the server as it writes each event.
    public func recordEventSent() { lock.withLock { sentEvents.append(Date().timeIntervalSince1970) } }

    /// Every secret handed out so far, oldest first: device codes, access and refresh tokens.
    /// (User codes are not listed: they are shown to the user on purpose.)
    public var issuedSecrets: [String] { lock.withLock { secretsIssued } }

    /// Every credential presented to the API (x-api-key or bearer), in order.
    public var presentedCredentials: [String] { lock.withLock { presented } }

    /// How many API requests (usages, messages) were refused with 401.
    public var rejectedAPIRequests: Int { lock.withLock { counters["api-401", default: 0] } }

    // MARK: Requests

    /// Answers one request.
    public func handle(method: String, path: String, headers: [String: String], body: [UInt8]) -> Reply {
        let reply = answer(method: method, path: path, headers: headers, body: body)
        let delay = lock.withLock { refreshDelay }
        if delay > 0, path == "/api/oauth/token", Self.form(body)["grant_type"] == "refresh_token" {
            usleep(UInt32(delay * 1_000_000))
        }
        return reply
    }

    private func answer(method: String, path: String, headers: [String: String], body: [UInt8]) -> Reply {
        lock.withLock {
            requestLog.append((method, path, headers))
            let form = Self.form(body)
            switch (method, path.split(separator: "?").first.map(String.init) ?? path) {
            case ("POST", "/api/oauth/device_authorization"):
                return deviceAuthorization(form)
            case ("POST", "/api/oauth/token"):
                if !injected.isEmpty { return injected.removeFirst() }
                return token(form)
            case ("GET", "/coding/v1/usages"):
                guard authorized(headers) else { return unauthorized() }
                return .json(200, usagePayload(messages: counters["messages", default: 0]))
            case ("POST", "/coding/v1/messages"):
                guard authorized(headers) else { return unauthorized() }
                counters["messages", default: 0] += 1
                let text = String(decoding: body, as: UTF8.self)
                if text.contains("\"stream\":true") || text.contains("\"stream\": true") {
                    return .events(Self.messageEvents, delay: eventDelay)
                }
                return .json(200, #"{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"hello"}]}"#)
            default:
                return .json(404, #"{"error":{"type":"not_found","message":"no such endpoint"}}"#)
            }
        }
    }

    private func deviceAuthorization(_ form: [String: String]) -> Reply {
        guard let client = form["client_id"], knownClients.contains(client) else {
            return .json(401, #"{"error":"invalid_client","error_description":"unknown client"}"#)
        }
        codesIssued += 1
        let deviceCode = "dc-" + UUID().uuidString
        let userCode = String(format: "KIMI-%04d", codesIssued)
        devices[deviceCode] = Device(userCode: userCode, index: codesIssued)
        secretsIssued.append(deviceCode)
        return .json(200, """
            {"device_code":"\(deviceCode)","user_code":"\(userCode)",
             "verification_uri":"https://www.kimi.com/code/authorize_device",
             "verification_uri_complete":"https://www.kimi.com/code/authorize_device?user_code=\(userCode)",
             "expires_in":\(deviceCodeLifetime),"interval":\(pollInterval)}
            """)
    }

    private func token(_ form: [String: String]) -> Reply {
        guard let client = form["client_id"], knownClients.contains(client) else {
            return .json(401, #"{"error":"invalid_client","error_description":"unknown client"}"#)
        }
        switch form["grant_type"] {
        case "urn:ietf:params:oauth:grant-type:device_code":
            counters["poll", default: 0] += 1
            guard let code = form["device_code"], var device = devices[code] else {
                return .json(400, #"{"error":"invalid_grant","error_description":"unknown device code"}"#)
            }
            device.polls += 1
            defer { devices[code] = device }
            switch decision {
            case let .approveAfter(polls):
                if device.polls < polls { return Self.pending }
            case let .denyAfter(polls):
                if device.polls < polls { return Self.pending }
                return .json(400, #"{"error":"access_denied","error_description":"the user denied the request"}"#)
            case let .slowDownThenApprove(slowDowns):
                if device.slowDownsSent < slowDowns {
                    device.slowDownsSent += 1
                    return .json(400, #"{"error":"slow_down"}"#)
                }
            case let .expireCodes(count):
                if device.index <= count {
                    return .json(400, #"{"error":"expired_token","error_description":"the device code expired"}"#)
                }
            case .never:
                return Self.pending
            }
            devices[code] = nil
            let tokens = issue(account: Account(id: accounts.count + 1), lifetime: nil)
            return tokenReply(tokens)
        case "refresh_token":
            counters["refresh", default: 0] += 1
            guard let presented = form["refresh_token"], let account = accounts.removeValue(forKey: presented) else {
                return .json(400, #"{"error":"invalid_grant","error_description":"refresh token is invalid or was already used"}"#)
            }
            counters["refresh-ok", default: 0] += 1
            return tokenReply(issue(account: account, lifetime: nil))
        default:
            return .json(400, #"{"error":"unsupported_grant_type"}"#)
        }
    }

    private func issue(account: Account, lifetime: Int?) -> (access: String, refresh: String) {
        let access = "at-\(account.id)-" + UUID().uuidString
        let refresh = "rt-\(account.id)-" + UUID().uuidString
        accounts[refresh] = account
        secretsIssued += [access, refresh]
        validAccessTokens[access] = Date().timeIntervalSince1970 + Double(lifetime ?? accessTokenLifetime)
        return (access, refresh)
    }

    private func tokenReply(_ tokens: (access: String, refresh: String)) -> Reply {
        .json(200, """
            {"access_token":"\(tokens.access)","refresh_token":"\(tokens.refresh)","expires_in":\(accessTokenLifetime),"scope":"kimi-code","token_type":"Bearer"}
            """)
    }

    private func authorized(_ headers: [String: String]) -> Bool {
        var presented = headers["x-api-key"]
        if let bearer = headers["authorization"], bearer.hasPrefix("Bearer ") { presented = String(bearer.dropFirst(7)) }
        guard let presented else { return false }
        self.presented.append(presented)
        if presented.hasPrefix("sk-kimi-") { return true }
        guard let expiry = validAccessTokens[presented] else { return false }
        return expiry > Date().timeIntervalSince1970
    }

    private func unauthorized() -> Reply {
        counters["api-401", default: 0] += 1
        return .json(401, #"{"error":{"type":"invalid_authentication_error","message":"Invalid Authentication"}}"#)
    }

    static let pending = Reply.json(400, #"{"error":"authorization_pending","error_description":"waiting for the user"}"#)

    /// The quota as a real reply shapes it; each message served uses one unit of both windows.
    func usagePayload(messages: Int) -> String {
        let wallet = boosterWallet.map { #","boosterWallet":"# + $0 } ?? ""
        return """
            {"usage":{"limit":"100","used":"\(26 + messages)","remaining":"\(74 - messages)","resetTime":"\(Self.wire(weeklyResetAt))"},
             "limits":[{"window":{"duration":300,"timeUnit":"TIME_UNIT_MINUTE"},
                        "detail":{"limit":"100","used":"\(15 + messages)","remaining":"\(85 - messages)","resetTime":"\(Self.wire(fiveHourResetAt))"}}],
             "user":{"membership":{"level":"LEVEL_INTERMEDIATE"}},"subType":"TYPE_PURCHASE","parallel":{"limit":"10"},"totalQuota":{}\(wallet)}
            """
    }

    /// A time as Kimi sends it: RFC 3339 in UTC with microseconds.
    public static func wire(_ seconds: Double) -> String {
        rfc3339(seconds).dropLast() + ".757941Z"
    }

    /// Whole seconds, UTC, as `usage --json` prints them.
    public static func rfc3339(_ seconds: Double) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    static let messageEvents = [
        "event: message_start\ndata: {\"type\":\"message_start\"}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"hel\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"lo\"}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    ]

    static func form(_ body: [UInt8]) -> [String: String] {
        formFields(String(decoding: body, as: UTF8.self))
    }
}
