#if canImport(Glibc)
import Glibc
#endif
import KimiProfilesCore

/// How `usage` draws one profile's quota: a line per window with a bar of the share used,
/// used and remaining percentages, the reset as local clock time and countdown, and the
/// projection beneath. Colour follows the remaining share (SPEC §8).
enum UsageView {
    static let barWidth = 20

    /// The lines for one report, fetched at `now`.
    static func lines(
        _ report: UsageReport, projections: [String: UsageProjection], now: Double, paint: (String, Output.Color) -> String
    ) -> [String] {
        var lines: [String] = []
        let nameWidth = report.windows.map(\.name.count).max() ?? 0
        for window in report.windows {
            let color = self.color(remainingShare: window.remainingShare)
            let usedPercent = Int((window.usedShare * 100).rounded())
            let leftPercent = Int((window.remainingShare * 100).rounded())
            var line = "  " + window.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
            line += paint(bar(window.usedShare), color) + "  "
            line += paint("\(usedPercent)% used, \(leftPercent)% left", color)
            line += "  (\(number(window.used))/\(number(window.limit)))"
            if let reset = window.resetsAt { line += "  " + resetText(reset, now: now) }
            lines.append(line)
            if let projection = projections[window.key] {
                lines.append("  " + String(repeating: " ", count: nameWidth) + "  " + projectionText(projection, now: now))
            }
        }
        if let parallel = report.parallelLimit { lines.append("  parallel requests: up to \(parallel)") }
        if let wallet = report.wallet {
            var parts: [String] = []
            let currency = wallet.currency.map { " \($0)" } ?? ""
            if let balance = wallet.balanceCents { parts.append("balance \(money(balance))\(currency)") }
            if let used = wallet.monthlyUsedCents {
                var part = "\(money(used))\(currency) used this month"
                if let limit = wallet.monthlyLimitCents { part += " of \(money(limit))" }
                parts.append(part)
            }
            lines.append("  extra usage: " + (parts.isEmpty ? "enabled" : parts.joined(separator: ", ")))
        }
        return lines
    }

    /// `[#####...............]` for the share used.
    static func bar(_ share: Double) -> String {
        let filled = min(barWidth, max(0, Int((share * Double(barWidth)).rounded())))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled) + "]"
    }

    /// Green above 30 % left, yellow at 30 % or less, red at 10 % or less.
    static func color(remainingShare: Double) -> Output.Color {
        if remainingShare <= 0.10 { return .red }
        if remainingShare <= 0.30 { return .yellow }
        return .green
    }

    /// "resets 14:05, in 1h 12m", with the day when it is not today.
    static func resetText(_ reset: Double, now: Double) -> String {
        let span = Int64(reset - now)
        if span <= 0 { return "reset due now" }
        return "resets \(localClock(reset, now: now)), in \(Formatting.duration(span))"
    }

    static func projectionText(_ projection: UsageProjection, now: Double) -> String {
        switch projection {
        case let .unknown(reason): return reason
        case .lastsUntilReset: return "at the recent pace it lasts until the reset"
        case let .runsOut(at, before):
            if before <= 0 { return "at the recent pace it runs out at \(localClock(at, now: now))" }
            return "at the recent pace it runs out at \(localClock(at, now: now)), \(Formatting.duration(Int64(before))) before the reset"
        }
    }

    /// Local time `HH:MM`, prefixed with the weekday and date when not today (honours TZ).
    static func localClock(_ time: Double, now: Double) -> String {
        var then = time_t(time)
        var today = time_t(now)
        var a = tm()
        var b = tm()
        localtime_r(&then, &a)
        localtime_r(&today, &b)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let clock = "\(two(a.tm_hour)):\(two(a.tm_min))"
        if a.tm_year == b.tm_year && a.tm_yday == b.tm_yday { return clock }
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(days[Int(a.tm_wday)]) \(a.tm_mday) \(months[Int(a.tm_mon)]) \(clock)"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// `12.50` for 1250 cents: rounded to the cent first, so 99.7 cents is `1.00`, not `0.00`.
    static func money(_ cents: Double) -> String {
        guard cents.isFinite, abs(cents) < 1e15 else { return "?" }
        let total = Int64(cents.rounded())
        let whole = abs(total) / 100
        let rest = abs(total) % 100
        return "\(total < 0 ? "-" : "")\(whole).\(rest < 10 ? "0" : "")\(rest)"
    }

    /// The JSON of one report (SPEC §8; documented in kimi-profiles(1)).
    static func json(_ report: UsageReport, projections: [String: UsageProjection], fetchedAt: Double) -> [String: JSONValue] {
        var windows: [JSONValue] = []
        for window in report.windows {
            var item: [String: JSONValue] = [
                "key": .string(window.key), "name": .string(window.name), "seconds": .integer(window.seconds),
                "limit": .number(window.limit), "used": .number(window.used), "remaining": .number(window.remaining),
                "used_percent": .number((window.usedShare * 1000).rounded() / 10),
                "resets_at": window.resetsAt.map { .string(Formatting.rfc3339(Int64($0))) } ?? .null,
            ]
            switch projections[window.key] ?? .unknown(reason: "") {
            case let .unknown(reason):
                item["projection"] = .object(["status": .string("unknown"), "reason": .string(reason)])
            case .lastsUntilReset:
                item["projection"] = .object(["status": .string("lasts-until-reset")])
            case let .runsOut(at, before):
                item["projection"] = .object([
                    "status": .string("runs-out"), "runs_out_at": .string(Formatting.rfc3339(Int64(at))),
                    "seconds_before_reset": .integer(Int64(before)),
                ])
            }
            windows.append(.object(item))
        }
        var wallet: JSONValue = .null
        if let w = report.wallet {
            wallet = .object([
                "balance_cents": w.balanceCents.map { .number($0) } ?? .null,
                "monthly_limit_cents": w.monthlyLimitCents.map { .number($0) } ?? .null,
                "monthly_used_cents": w.monthlyUsedCents.map { .number($0) } ?? .null,
                "currency": w.currency.map { .string($0) } ?? .null,
            ])
        }
        return [
            "plan": report.planName.map { .string($0) } ?? .null,
            "level": report.level.map { .string($0) } ?? .null,
            "parallel_limit": report.parallelLimit.map { .integer(Int64($0)) } ?? .null,
            "windows": .array(windows),
            "extra_usage": wallet,
            "fetched_at": .string(Formatting.rfc3339(Int64(fetchedAt))),
        ]
    }
}
