#if canImport(Glibc)
import Glibc
#endif
import KimiProfilesCore

/// Times and durations as people and scripts read them.
enum Formatting {
    /// RFC 3339 in UTC, e.g. `2026-11-30T09:44:20Z`: the form `--json` uses.
    static func rfc3339(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    /// A short span: "45s", "12m", "3h 5m", "2d 4h".
    static func duration(_ seconds: Int64) -> String {
        let s = max(0, seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86400 {
            let minutes = (s % 3600) / 60
            return minutes == 0 ? "\(s / 3600)h" : "\(s / 3600)h \(minutes)m"
        }
        let hours = (s % 86400) / 3600
        return hours == 0 ? "\(s / 86400)d" : "\(s / 86400)d \(hours)h"
    }

    /// A countdown as `m:ss` (or `h:mm:ss`).
    static func clock(_ seconds: Int64) -> String {
        let s = max(0, seconds)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if s >= 3600 { return "\(s / 3600):\(two((s % 3600) / 60)):\(two(s % 60))" }
        return "\(s / 60):\(two(s % 60))"
    }

    /// "5m ago", "just now", or "never".
    static func ago(_ seconds: Int64?, now: Int64) -> String {
        guard let seconds else { return "never" }
        let span = now - seconds
        if span < 10 { return "just now" }
        return duration(span) + " ago"
    }

    /// A JSON time value: RFC 3339 text, or null.
    static func jsonTime(_ seconds: Int64?) -> JSONValue {
        seconds.map { .string(rfc3339($0)) } ?? .null
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ rows: [[String]]) -> [String] {
        guard let columns = rows.map(\.count).max() else { return [] }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            var line = ""
            for (index, cell) in row.enumerated() {
                let last = index == row.count - 1
                line += last ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) + "  "
            }
            return line
        }
    }
}

extension JSONValue {
    /// Pretty, sorted, slash-preserving text for `--json`: stable across runs.
    func prettyText() -> String {
        var lines: [String] = []
        render(indent: "", into: &lines, prefix: "")
        return lines.joined(separator: "\n")
    }

    private func render(indent: String, into lines: inout [String], prefix: String, suffix: String = "") {
        switch self {
        case let .object(members) where !members.isEmpty:
            lines.append(indent + prefix + "{")
            let keys = members.keys.sorted()
            for (index, key) in keys.enumerated() {
                let keyText = JSONValue.string(key).serialized() + ": "
                members[key]!.render(
                    indent: indent + "  ", into: &lines, prefix: keyText,
                    suffix: index == keys.count - 1 ? "" : ",")
            }
            lines.append(indent + "}" + suffix)
        case let .array(items) where !items.isEmpty:
            lines.append(indent + prefix + "[")
            for (index, item) in items.enumerated() {
                item.render(
                    indent: indent + "  ", into: &lines, prefix: "",
                    suffix: index == items.count - 1 ? "" : ",")
            }
            lines.append(indent + "]" + suffix)
        default:
            lines.append(indent + prefix + serialized() + suffix)
        }
    }
}
