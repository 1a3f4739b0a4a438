import XCTest

@testable import KimiProfilesCore

final class ProfileNameTests: XCTestCase {
    func testValidNames() {
        for name in [
            "a", "Z", "0", "work", "work-2", "A.b_c-d", "9lives", "a.", "a-", "a_", "_x",
            String(repeating: "a", count: 64), "ABCxyz019._-",
        ] {
            XCTAssertNil(ProfileName.problem(with: name), name)
            XCTAssertTrue(ProfileName.isValid(name), name)
        }
    }

    func testEmptyName() {
        XCTAssertEqual(ProfileName.problem(with: ""), "a profile name cannot be empty")
    }

    func testSixtyFiveCharactersIsTooLong() {
        XCTAssertFalse(ProfileName.isValid(String(repeating: "a", count: 65)))
        XCTAssertTrue(ProfileName.problem(with: String(repeating: "b", count: 65))?.contains("64") ?? false)
    }

    func testLeadingDashOrDot() {
        for name in ["-a", ".a", "-", ".", "..", "--help", ".hidden"] {
            XCTAssertFalse(ProfileName.isValid(name), name)
        }
    }

    func testOtherCharactersAreRefused() {
        for name in [
            "a b", "a/b", "../x", "a:b", "a\\b", "a\"b", "a'b", "a\nb", "a\tb", "a$b", "a*b", "a@b",
            "a\u{0}b", "a=b", "a,b", "a~",
        ] {
            XCTAssertFalse(ProfileName.isValid(name), name.debugDescription)
        }
    }

    func testUnicodeIsRefused() {
        for name in ["café", "日本", "ß", "a\u{301}", "🔑", "ｗｏｒｋ", "Ａ"] {
            XCTAssertFalse(ProfileName.isValid(name), name)
        }
        // 32 two-byte letters: within 64 bytes, still refused.
        XCTAssertFalse(ProfileName.isValid(String(repeating: "é", count: 32)))
    }
}
