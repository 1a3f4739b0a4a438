/// One account's quota, normalised from `GET <base>/usages` (KIMI-PROTOCOL §3): numbers arrive
/// as strings, fields may be missing, and reset times come in several spellings.
public struct UsageReport: Sendable, Equatable {
    /// The plan level as sent, e.g. `LEVEL_INTERMEDIATE`.
    public var level: String?
    /// The weekly window first, then each rolling window.
    public var windows: [UsageWindow]
    /// The most requests that may run at once.
    public var parallelLimit: Int?
    /// The extra-usage ("booster") wallet, when enabled.
    public var wallet: ExtraUsageWallet?

    public init(level: String?, windows: [UsageWindow], parallelLimit: Int? = nil, wallet: ExtraUsageWallet? = nil) {
        self.level = level
        self.windows = windows
        self.parallelLimit = parallelLimit
        self.wallet = wallet
    }

    /// "Intermediate" for `LEVEL_INTERMEDIATE`.
    public var planName: String? {
        guard var text = level, !text.isEmpty else { return nil }
        if text.hasPrefix("LEVEL_") { text.removeFirst(6) }
        return text.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }
            .joined(separator: " ")
    }
}

/// One quota window.
public struct UsageWindow: Sendable, Equatable {
    /// A stable key: `weekly`, or `<seconds>s` for a rolling window.
    public var key: String
    /// "7-day", "5-hour", …
    public var name: String
    /// The window's length in seconds.
    public var seconds: Int64
    public var limit: Double
    public var used: Double
    public var remaining: Double
    /// When the window resets, Unix seconds.
    public var resetsAt: Double?

    public init(
        key: String, name: String, seconds: Int64, limit: Double, used: Double, remaining: Double, resetsAt: Double?
    ) {
        self.key = key
        self.name = name
        self.seconds = seconds
        self.limit = limit
        self.used = used
        self.remaining = remaining
        self.resetsAt = resetsAt
    }

    /// The share used, 0…1 (0 when the limit is unknown).
    public var usedShare: Double { limit > 0 ? min(1, max(0, used / limit)) : 0 }
    public var remainingShare: Double { limit > 0 ? min(1, max(0, remaining / limit)) : 0 }

    /// "5-hour" for 18 000 s, "7-day" for 604 800 s.
    public static func name(forSeconds seconds: Int64) -> String {
        if seconds > 0, seconds % 86400 == 0 { return "\(seconds / 86400)-day" }
        if seconds > 0, seconds % 3600 == 0 { return "\(seconds / 3600)-hour" }
        if seconds > 0, seconds % 60 == 0 { return "\(seconds / 60)-minute" }
        return "\(seconds)-second"
    }
}

/// The extra-usage wallet; amounts are in the currency's minor unit (cents).
public struct ExtraUsageWallet: Sendable, Equatable {
    public var balanceCents: Double?
    public var monthlyLimitCents: Double?
    public var monthlyUsedCents: Double?
    public var currency: String?
}

/// Parsing of the `/usages` payload.
public enum UsageParser {
    /// Why a payload could not be used.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public let detail: String
        public var description: String { "malformed usage reply: \(detail)" }
    }

    /// Parses `body`, fetched at `now` (for relative reset hints).
    public static func parse(_ body: String, now: Double) throws(Failure) -> UsageReport {
        guard case let .object(root)? = JSONValue.parse(body) else { throw Failure(detail: "not a JSON object") }
        var windows: [UsageWindow] = []
        if let weekly = root["usage"], let window = window(weekly, key: "weekly", seconds: 7 * 86400, now: now) {
            windows.append(window)
        }
        if case let .array(limits)? = root["limits"] {
            for item in limits {
                let detail = item["detail"] ?? item
                let seconds = windowSeconds(item["window"])
                let key = seconds.map { "\($0)s" } ?? "limit\(windows.count)"
                if var window = window(detail, key: key, seconds: seconds ?? 0, now: now) {
                    if let label = text(item["name"]) ?? text(item["title"]) ?? text(item["scope"]), seconds == nil {
                        window.name = label
                    }
                    windows.append(window)
                }
            }
        }
        // A reply without any window is still a report when it names the plan (an account
        // with no quota left to show); anything else with neither is not a usage reply.
        let level = text(root["user"]?["membership"]?["level"])
        guard !windows.isEmpty || level != nil else {
            throw Failure(detail: "neither 'usage' nor 'limits' holds a quota")
        }
        var report = UsageReport(
            level: level, windows: windows,
            parallelLimit: number(root["parallel"]?["limit"]).flatMap { abs($0) < 1e9 ? Int($0) : nil })
        if let booster = root["boosterWallet"], case .object = booster {
            report.wallet = ExtraUsageWallet(
                balanceCents: number(booster["balance"]?["amountLeft"]).map { $0 / 1e6 },
                monthlyLimitCents: number(booster["monthlyChargeLimit"]?["priceInCents"]),
                monthlyUsedCents: number(booster["monthlyUsed"]?["priceInCents"]),
                currency: text(booster["monthlyChargeLimit"]?["currency"]) ?? text(booster["monthlyUsed"]?["currency"]))
        }
        return report
    }

    private static func window(_ value: JSONValue, key: String, seconds: Int64, now: Double) -> UsageWindow? {
        let limit = number(value["limit"])
        var used = number(value["used"])
        var remaining = number(value["remaining"])
        guard let limit else { return nil }
        if used == nil, let remaining { used = limit - remaining }
        if remaining == nil, let used { remaining = limit - used }
        guard let used, let remaining else { return nil }
        var resetsAt: Double?
        for field in ["resetTime", "resetAt", "reset_at", "reset_time"] {
            if let stamp = text(value[field]), let time = Timestamp.parse(stamp) {
                resetsAt = time
                break
            }
        }
        if resetsAt == nil {
            for field in ["resetIn", "reset_in", "ttl"] {
                // A span beyond a few centuries is nonsense, and would trap where the reset
                // time is converted to whole seconds for display.
                if let seconds = number(value[field]), abs(seconds) < 1e10 {
                    resetsAt = now + seconds
                    break
                }
            }
        }
        return UsageWindow(
            key: key, name: UsageWindow.name(forSeconds: seconds), seconds: seconds, limit: limit, used: used,
            remaining: remaining, resetsAt: resetsAt)
    }

    private static func windowSeconds(_ window: JSONValue?) -> Int64? {
        guard let window, let duration = number(window["duration"]) else { return nil }
        let unit: Double
        switch text(window["timeUnit"]) ?? "TIME_UNIT_SECOND" {
        case "TIME_UNIT_MINUTE": unit = 60
        case "TIME_UNIT_HOUR": unit = 3600
        case "TIME_UNIT_DAY": unit = 86400
        case "TIME_UNIT_WEEK": unit = 7 * 86400
        default: unit = 1
        }
        // Server numbers are bounded before conversion: an absurd one must not trap.
        let seconds = duration * unit
        guard seconds.isFinite, seconds >= 0, seconds < 1e12 else { return nil }
        return Int64(seconds)
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case let .integer(n)?: return Double(n)
        case let .number(n)?: return n.isFinite ? n : nil
        case let .string(s)?: return Double(s.trimmingCharacters()).flatMap { $0.isFinite ? $0 : nil }
        default: return nil
        }
    }

    static func text(_ value: JSONValue?) -> String? {
        if case let .string(s)? = value, !s.isEmpty { return s }
        return nil
    }
}
