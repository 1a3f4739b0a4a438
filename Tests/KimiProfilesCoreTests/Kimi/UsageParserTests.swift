import KimiProfilesCore
import XCTest

/// `/usages` payloads as Kimi and third-party notes show them (KIMI-PROTOCOL §3.2).
final class UsageParserTests: XCTestCase {
    let now = 1_800_000_000.0

    func testRealShapedPayloadWithStringNumbersAndNanoseconds() throws {
        let report = try UsageParser.parse(
            """
            {"usage":{"limit":"100","used":"26","remaining":"74","resetTime":"2026-02-11T17:32:50.757941123Z"},
             "limits":[{"window":{"duration":300,"timeUnit":"TIME_UNIT_MINUTE"},
                        "detail":{"limit":"100","used":"15","remaining":"85","resetTime":"2026-02-07T12:32:50.757941Z"}}],
             "user":{"membership":{"level":"LEVEL_INTERMEDIATE"}},"subType":"TYPE_PURCHASE",
             "parallel":{"limit":"10"},"totalQuota":{},"somethingNew":{"x":[1,2]},
             "boosterWallet":{"balance":{"type":"BOOSTER","amount":"2500000000","amountLeft":"1000000000"},
               "monthlyChargeLimitEnabled":true,"monthlyChargeLimit":{"priceInCents":"5000","currency":"CNY"},
               "monthlyUsed":{"priceInCents":"1250","currency":"CNY"}}}
            """, now: now)
        XCTAssertEqual(report.planName, "Intermediate")
        XCTAssertEqual(report.parallelLimit, 10)
        XCTAssertEqual(report.windows.map(\.name), ["7-day", "5-hour"])
        XCTAssertEqual(report.windows.map(\.key), ["weekly", "18000s"])
        XCTAssertEqual(report.windows.map(\.seconds), [604_800, 18_000])
        XCTAssertEqual(report.windows[0].used, 26)
        XCTAssertEqual(report.windows[0].remaining, 74)
        XCTAssertEqual(report.windows[0].resetsAt!, 1_770_831_170.757941123, accuracy: 1e-5)
        XCTAssertEqual(report.windows[1].resetsAt!, 1_770_467_570.757941, accuracy: 1e-5)
        XCTAssertEqual(report.wallet?.balanceCents, 1000)
        XCTAssertEqual(report.wallet?.monthlyLimitCents, 5000)
        XCTAssertEqual(report.wallet?.currency, "CNY")
    }

    func testMissingUsedOrRemainingIsDerived() throws {
        let report = try UsageParser.parse(
            """
            {"usage":{"limit":"100","remaining":"60"},
             "limits":[{"window":{"duration":"5","timeUnit":"TIME_UNIT_HOUR"},"detail":{"limit":50,"used":"20"}},
                       {"window":{"duration":1,"timeUnit":"TIME_UNIT_DAY"},"detail":{"limit":"10","used":"1","reset_in":"3600"}}]}
            """, now: now)
        XCTAssertEqual(report.windows[0].used, 40)
        XCTAssertEqual(report.windows[1].remaining, 30)
        XCTAssertEqual(report.windows[1].name, "5-hour")
        XCTAssertEqual(report.windows[2].name, "1-day")
        XCTAssertEqual(report.windows[2].resetsAt, now + 3600)
        XCTAssertNil(report.planName)
    }

    func testOffsetsAndOtherResetSpellings() throws {
        XCTAssertEqual(Timestamp.parse("2026-02-11T17:32:50Z"), 1_770_831_170)
        XCTAssertEqual(Timestamp.parse("2026-02-12T01:32:50+08:00"), 1_770_831_170)
        XCTAssertEqual(Timestamp.parse("1970-01-01T00:00:00Z"), 0)
        XCTAssertEqual(Timestamp.parse("2000-02-29T12:00:00Z"), 951_825_600)
        for bad in ["", "2026-02-11", "2026-13-01T00:00:00Z", "2026-02-11T17:32:50", "2026-02-11T17:32:50.Z", "yesterday"] {
            XCTAssertNil(Timestamp.parse(bad), bad)
        }
        let report = try UsageParser.parse(#"{"usage":{"limit":"1","used":"0","reset_at":"2026-02-11T17:32:50Z"}}"#, now: now)
        XCTAssertEqual(report.windows[0].resetsAt, 1_770_831_170)
    }

    func testUnusablePayloadsAreClearErrors() {
        let bodies = [
            "", "<html>502</html>", "[]", #"{"usage":"x"}"#, #"{"foo":1}"#, #"{"user":5}"#, #"{"user":null}"#,
            #"{"user":{}}"#, #"{"user":{"membership":{"level":7}}}"#, #"{"error":"x","user":{"id":"u1"}}"#,
        ]
        for body in bodies {
            XCTAssertThrowsError(try UsageParser.parse(body, now: now), body) { error in
                XCTAssertTrue("\(error)".hasPrefix("malformed usage reply"), "\(error)")
            }
        }
    }

    func testPlanWithoutWindowsIsAReport() throws {
        let report = try UsageParser.parse(#"{"user":{"membership":{"level":"LEVEL_BASIC"}},"limits":[]}"#, now: now)
        XCTAssertEqual(report.planName, "Basic")
        XCTAssertEqual(report.windows, [])
    }

    func testAbsurdNumbersDoNotTrap() throws {
        let report = try UsageParser.parse(
            #"{"usage":{"limit":1,"used":0},"parallel":{"limit":1e300},"limits":[{"window":{"duration":1e300},"detail":{"limit":1,"used":0}}]}"#,
            now: now)
        XCTAssertNil(report.parallelLimit)
        XCTAssertEqual(report.windows.map(\.key), ["weekly", "limit1"])
        let w = UsageWindow(key: "weekly", name: "7-day", seconds: 604_800, limit: 1e300, used: 1, remaining: 1e300, resetsAt: nil)
        let samples = [
            UsageSample(at: now - 62, used: 0, limit: 1e300, resetsAt: nil), UsageSample(at: now, used: 1, limit: 1e300, resetsAt: nil),
        ]
        XCTAssertEqual(UsageProjection.project(w, samples: samples, now: now), .lastsUntilReset)
    }

    func testWindowNames() {
        XCTAssertEqual(UsageWindow.name(forSeconds: 18_000), "5-hour")
        XCTAssertEqual(UsageWindow.name(forSeconds: 604_800), "7-day")
        XCTAssertEqual(UsageWindow.name(forSeconds: 90), "90-second")
        XCTAssertEqual(UsageWindow.name(forSeconds: 1_800), "30-minute")
    }
}

/// Pace arithmetic for "lasts until reset" / "runs out at".
final class UsageProjectionTests: XCTestCase {
    let now = 1_800_000_000.0

    func window(used: Double, limit: Double = 100, resetIn: Double) -> UsageWindow {
        UsageWindow(key: "18000s", name: "5-hour", seconds: 18_000, limit: limit, used: used, remaining: limit - used, resetsAt: now + resetIn)
    }

    func testFewerThanTwoSamplesSaysWhy() {
        let w = window(used: 10, resetIn: 3600)
        let one = [UsageSample(at: now, used: 10, limit: 100, resetsAt: now + 3600)]
        guard case let .unknown(reason) = UsageProjection.project(w, samples: one, now: now) else {
            return XCTFail("expected no projection")
        }
        XCTAssertTrue(reason.contains("two fetches"), reason)
        XCTAssertEqual(UsageProjection.project(w, samples: [], now: now), .unknown(reason: reason))
    }

    func testRunsOutBeforeReset() {
        // 20 units in 30 minutes; 40 left → 60 minutes more; the reset is 90 minutes away.
        let w = window(used: 60, resetIn: 5400)
        let samples = [
            UsageSample(at: now - 1800, used: 40, limit: 100, resetsAt: now + 5400),
            UsageSample(at: now, used: 60, limit: 100, resetsAt: now + 5400),
        ]
        XCTAssertEqual(UsageProjection.project(w, samples: samples, now: now), .runsOut(at: now + 3600, before: 1800))
    }

    func testLastsUntilReset() {
        let w = window(used: 30, resetIn: 1800)
        let samples = [
            UsageSample(at: now - 3600, used: 20, limit: 100, resetsAt: now + 1800),
            UsageSample(at: now, used: 30, limit: 100, resetsAt: now + 1800),
        ]
        XCTAssertEqual(UsageProjection.project(w, samples: samples, now: now), .lastsUntilReset)
        let idle = [UsageSample(at: now - 600, used: 30, limit: 100, resetsAt: now + 1800), samples[1]]
        XCTAssertEqual(UsageProjection.project(w, samples: idle, now: now), .lastsUntilReset)
    }

    func testSamplesFromAnEarlierWindowPeriodDoNotCount() {
        let w = window(used: 5, resetIn: 18_000)
        let samples = [
            UsageSample(at: now - 1200, used: 90, limit: 100, resetsAt: now - 60),  // the previous window
            UsageSample(at: now - 600, used: 1, limit: 100, resetsAt: now + 18_000),
            UsageSample(at: now, used: 5, limit: 100, resetsAt: now + 18_000),
        ]
        // 4 units in 10 minutes, 95 left → ~237 minutes, under the 300 left.
        guard case let .runsOut(at, before) = UsageProjection.project(w, samples: samples, now: now) else {
            return XCTFail("expected a run-out projection")
        }
        XCTAssertEqual(at, now + 95 * 150, accuracy: 0.001)
        XCTAssertEqual(before, 18_000 - 95 * 150, accuracy: 0.001)
    }
}
