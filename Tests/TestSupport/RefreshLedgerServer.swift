import Foundation
import KimiProfilesCore

/// `FakeKimi` on a loopback port, as `FakeKimiServer` serves it, plus what the crash-safety
/// tests need to judge a killed refresh:
///
/// - a ledger of every refresh token the token endpoint handed out and which of them a refresh
///   grant spent (the fake's refresh tokens are single-use and rotate), so a test can ask whether
///   the token a vault holds is still live without spending it;
/// - the network of a refresh grant in two phases: `requestDelay`, the request's transit (a
///   client killed meanwhile, as reported by `noteKill`, never reaches the server, so nothing is
///   spent), and `replyDelay`, the reply's transit (the old token is already spent, the new one
///   not yet delivered).
public final class RefreshLedgerServer: @unchecked Sendable {
    public struct Record: Sendable, Equatable {
        /// "device" (an approved device code), "refresh" (a rotation) or "seed".
        public let origin: String
        public let issuedAt: Double
        public var spentAt: Double?
        public var successor: String?
        public var isLive: Bool { spentAt == nil }
    }

    public let kimi: FakeKimi
    private let state: Ledger
    private let server: FakeKimiServer

    /// `http://127.0.0.1:<port>`.
    public var url: String { server.url }

    public init(_ kimi: FakeKimi) throws {
        self.kimi = kimi
        let state = Ledger()
        self.state = state
        server = try FakeKimiServer(kimi) { exchange, answer in
            let path = exchange.target.split(separator: "?").first.map(String.init) ?? exchange.target
            let form = FakeKimi.form(exchange.body)
            let isToken = exchange.method == "POST" && path == "/api/oauth/token"
            let isRefresh = isToken && form["grant_type"] == "refresh_token"
            let (requestDelay, replyDelay) = state.delays
            if isRefresh, requestDelay > 0 {
                let arrival = Date().timeIntervalSince1970
                usleep(UInt32(requestDelay * 1_000_000))
                // The client died while its request was on the way: the server never sees it.
                if state.killed(since: arrival) { return nil }
            }
            let reply = answer()
            if isToken, case let .json(200, text) = reply, let issued = Self.refreshToken(in: text) {
                state.issued(issued, spending: isRefresh ? form["refresh_token"] : nil)
            }
            if isRefresh, replyDelay > 0 { usleep(UInt32(replyDelay * 1_000_000)) }
            return reply
        }
    }

    public func stop() { server.stop() }

    /// The request and reply transit of a refresh grant, in seconds.
    public func setDelays(request: Double, reply: Double) { state.setDelays(request, reply) }

    /// Records that the test just killed its client (wall-clock Unix seconds).
    public func noteKill(at time: Double) { state.noteKill(time) }

    /// Makes a token pair as a login would have, without the network, and enters it in the ledger.
    public func seedTokens() -> (access: String, refresh: String) {
        let tokens = kimi.issueTokens()
        state.issued(tokens.refresh, spending: nil, origin: "seed")
        return tokens
    }

    /// What became of `refreshToken`; nil when the server never issued it.
    public func record(of refreshToken: String) -> Record? { state.record(refreshToken) }

    /// Refresh grants dropped because their client was killed before they arrived.
    public var droppedInTransit: Int { state.dropped }

    private static func refreshToken(in text: String) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return object?["refresh_token"] as? String
    }
}

private final class Ledger: @unchecked Sendable {
    private let lock = NSLock()
    private var records: [String: RefreshLedgerServer.Record] = [:]
    private var lastKill = 0.0
    private var requestDelay = 0.0
    private var replyDelay = 0.0
    private var droppedCount = 0

    var delays: (Double, Double) { lock.withLock { (requestDelay, replyDelay) } }
    var dropped: Int { lock.withLock { droppedCount } }

    func setDelays(_ request: Double, _ reply: Double) {
        lock.withLock {
            requestDelay = request
            replyDelay = reply
        }
    }

    func noteKill(_ time: Double) { lock.withLock { lastKill = max(lastKill, time) } }

    func killed(since arrival: Double) -> Bool {
        lock.withLock {
            guard lastKill >= arrival else { return false }
            droppedCount += 1
            return true
        }
    }

    func issued(_ token: String, spending presented: String?, origin: String? = nil) {
        let now = Date().timeIntervalSince1970
        lock.withLock {
            if let presented {
                records[presented]?.spentAt = now
                records[presented]?.successor = token
            }
            records[token] = RefreshLedgerServer.Record(
                origin: origin ?? (presented == nil ? "device" : "refresh"), issuedAt: now)
        }
    }

    func record(_ token: String) -> RefreshLedgerServer.Record? { lock.withLock { records[token] } }
}
