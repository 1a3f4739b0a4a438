/// Kimi's two regions and their endpoints (KIMI-PROTOCOL §1.1, §2.1).
public enum Region: String, Sendable, CaseIterable {
    case cn
    case global

    public var oauthHost: String {
        switch self {
        case .cn: return "https://auth.kimi.com"
        case .global: return "https://auth.kimi.ai"
        }
    }

    public var baseURL: String {
        switch self {
        case .cn: return "https://api.kimi.com/coding/v1"
        case .global: return "https://api.kimi.ai/coding/v1"
        }
    }

    /// The public client id built into Kimi's own CLIs; the same in both regions.
    public static let builtInClientID = "17e5f671-d194-4dfb-9706-5516cb48c098"
}
