/// Fetches `GET <base>/usages` for one profile (SPEC §8), presenting the profile's credential as
/// `Authorization: Bearer`, once, without retries. A refused credential (401 or 403) is reported
/// as `Failure.rejected`; refreshing a refused OAuth token and asking again is the caller's
/// part (`usage` does it once).
public struct UsageClient: Sendable {
    public let transport: any HTTPTransport
    public let log: DebugLog
    public let clock: Clock

    public init(transport: any HTTPTransport, log: DebugLog = .off, clock: Clock = .system) {
        self.transport = transport
        self.log = log
        self.clock = clock
    }

    /// Why a usage fetch failed. Never carries a credential.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The credential was refused (an API key, or a token that a refresh did not cure).
        case rejected(profile: String, status: Int)
        /// 404: the credential is not a Kimi for Coding one.
        case notKimiForCoding(profile: String)
        case server(status: Int)
        case network(String)
        case malformed(String)

        /// What to do about it, when there is something.
        public var hint: String? {
            switch self {
            case .rejected:
                return "check the key: Kimi for Coding keys start with sk-kimi- and come from kimi.com/code"
            case .notKimiForCoding:
                return "Moonshot platform keys do not work here; use a Kimi for Coding key or an OAuth login"
            case .network:
                return "check the network (and HTTPS_PROXY)"
            default:
                return nil
            }
        }

        public var description: String {
            switch self {
            case let .rejected(profile, status):
                return "Kimi refused the credential of profile '\(profile)' (HTTP \(status))"
            case let .notKimiForCoding(profile):
                return "profile '\(profile)' is not a Kimi for Coding credential (404 from /usages)"
            case let .server(status):
                return "the usage endpoint answered HTTP \(status)"
            case let .network(detail):
                return "cannot reach the usage endpoint: \(detail)"
            case let .malformed(detail):
                return detail
            }
        }
    }

    /// One fetch with `credential`.
    public func fetch(profile: Profile, credential: Secret) -> Result<UsageReport, Failure> {
        guard let base = HTTPURL(profile.baseURL) else { return .failure(.malformed("bad base URL")) }
        let url = base.appending("/usages")
        var headers = HTTPHeaders([("Accept", "application/json"), ("User-Agent", KimiProfilesVersion.userAgent)])
        headers.addBearer(credential)
        let started = clock.now()
        let response: HTTPResponse
        do {
            response = try transport.send(HTTPRequest(method: "GET", url: url, headers: headers))
        } catch {
            log("GET \(url) failed: \(error)")
            return .failure(.network("\(error)"))
        }
        log("GET \(url) -> \(response.status) (\(Int((clock.now() - started) * 1000)) ms)")
        switch response.status {
        case 200:
            let body = response.body.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
            do {
                return .success(try UsageParser.parse(body, now: clock.now()))
            } catch {
                return .failure(.malformed(error.description))
            }
        case 401, 403: return .failure(.rejected(profile: profile.name, status: response.status))
        case 404: return .failure(.notKimiForCoding(profile: profile.name))
        default: return .failure(.server(status: response.status))
        }
    }
}
