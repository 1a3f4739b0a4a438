@testable import KimiProfilesCLI
import KimiProfilesCore
import XCTest

/// Bars, countdowns and colours at fixed times (TZ=UTC for the local clock).
final class UsageViewTests: XCTestCase {
    override func setUp() {
        setenv("TZ", "UTC", 1)
        tzset()
    }

    let now = 1_764_499_500.0  // 2025-11-30T10:45:00Z, a Sunday

    func testBarAndColours() {
        XCTAssertEqual(UsageView.bar(0), "[....................]")
        XCTAssertEqual(UsageView.bar(0.26), "[#####...............]")
        XCTAssertEqual(UsageView.bar(1), "[####################]")
        XCTAssertEqual(UsageView.color(remainingShare: 0.74), .green)
        XCTAssertEqual(UsageView.color(remainingShare: 0.30), .yellow)
        XCTAssertEqual(UsageView.color(remainingShare: 0.10), .red)
        XCTAssertEqual(UsageView.color(remainingShare: 0.31), .green)
    }

    func testResetTextToday() {
        XCTAssertEqual(UsageView.resetText(now + 72 * 60, now: now), "resets 11:57, in 1h 12m")
        XCTAssertEqual(UsageView.resetText(now - 5, now: now), "reset due now")
    }

    func testResetTextAnotherDay() {
        XCTAssertEqual(UsageView.resetText(now + 6 * 86400 + 3600, now: now), "resets Sat 6 Dec 11:45, in 6d 1h")
    }

    func testLinesForAReport() {
        let report = UsageReport(
            level: "LEVEL_INTERMEDIATE",
            windows: [
                UsageWindow(key: "weekly", name: "7-day", seconds: 604_800, limit: 100, used: 26, remaining: 74, resetsAt: now + 3600),
                UsageWindow(key: "18000s", name: "5-hour", seconds: 18_000, limit: 100, used: 95, remaining: 5, resetsAt: now + 600),
            ], parallelLimit: 10, wallet: nil)
        let lines = UsageView.lines(
            report, projections: ["weekly": .lastsUntilReset, "18000s": .runsOut(at: now + 300, before: 300)], now: now,
            paint: { text, _ in text })
        XCTAssertEqual(lines, [
            "  7-day   [#####...............]  26% used, 74% left  (26/100)  resets 11:45, in 1h",
            "          at the recent pace it lasts until the reset",
            "  5-hour  [###################.]  95% used, 5% left  (95/100)  resets 10:55, in 10m",
            "          at the recent pace it runs out at 10:50, 5m before the reset",
            "  parallel requests: up to 10",
        ])
    }
}
