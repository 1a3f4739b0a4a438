import XCTest

@testable import KimiProfilesCore

final class JSONValueTests: XCTestCase {
    func testParsesEveryKind() {
        let value = JSONValue.parse(
            #"{"n": null, "b": true, "i": 42, "d": 1.5, "s": "x\"y", "a": [1, "two"], "o": {}}"#)
        XCTAssertEqual(
            value,
            .object([
                "n": .null, "b": .bool(true), "i": .integer(42), "d": .number(1.5), "s": .string("x\"y"),
                "a": .array([.integer(1), .string("two")]), "o": .object([:]),
            ]))
    }

    func testInvalidTextIsNil() {
        XCTAssertNil(JSONValue.parse("{bad"))
        XCTAssertNil(JSONValue.parse(""))
        XCTAssertNil(JSONValue.parse("{\"a\": }"))
    }

    func testSerializedIsCompactSortedAndKeepsSlashes() {
        let value = JSONValue.object([
            "z": .integer(1), "a": .string("https://api.kimi.com/coding/v1"),
            "m": .array([.bool(false), .null]),
        ])
        XCTAssertEqual(value.serialized(), #"{"a":"https://api.kimi.com/coding/v1","m":[false,null],"z":1}"#)
    }

    func testIntegersStayIntegers() {
        let text = #"{"big":9007199254740993,"small":-3}"#
        XCTAssertEqual(JSONValue.parse(text)?.serialized(), text)
    }

    func testRoundTrip() {
        let text = #"{"provider":{"kimi-for-coding":{"options":{"timeout":600000}}},"theme":"dark"}"#
        XCTAssertEqual(JSONValue.parse(text)?.serialized(), text)
    }

    func testSubscript() {
        let value = JSONValue.object(["a": .integer(1)])
        XCTAssertEqual(value["a"], .integer(1))
        XCTAssertNil(value["b"])
        XCTAssertNil(JSONValue.array([.integer(1)])["a"])
    }

    func testNumbersFollowTheGrammar() {
        for text in ["01", "+1", "1.", ".5", "1e", "1e+", "-", "--1", "0x10", "1.5.2", "NaN", "Infinity", "1_000"] {
            XCTAssertNil(JSONValue.parse(text), text)
        }
        XCTAssertEqual(JSONValue.parse("-0"), .integer(0))
        XCTAssertEqual(JSONValue.parse("-12.5e-1"), .number(-1.25))
        XCTAssertEqual(JSONValue.parse("1E2"), .number(100))
        XCTAssertEqual(JSONValue.parse("9223372036854775807"), .integer(Int64.max))
        // Past 64 bits an integer is kept as a double rather than refused.
        XCTAssertEqual(JSONValue.parse("9223372036854775808"), .number(9_223_372_036_854_775_808))
    }

    func testStringsEscapesAndControlCharacters() {
        XCTAssertEqual(JSONValue.parse(#""a\u00e9\ud83d\ude00\n\/""#), .string("aé😀\n/"))
        XCTAssertNil(JSONValue.parse("\"\u{01}\""))
        XCTAssertNil(JSONValue.parse(#""\ud800""#))
        XCTAssertNil(JSONValue.parse(#""unterminated"#))
        XCTAssertNil(JSONValue.parse(#""ends in a backslash\"#))
    }

    func testRepeatedKeyKeepsTheLastValue() {
        XCTAssertEqual(JSONValue.parse(#"{"a":1,"a":2}"#), .object(["a": .integer(2)]))
    }

    func testNestingLimit() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        XCTAssertNotNil(JSONValue.parse(deep))
        let tooDeep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        XCTAssertNil(JSONValue.parse(tooDeep))
    }

    func testWhiteSpaceAroundButNothingElse() {
        XCTAssertEqual(JSONValue.parse(" \t\r\n{} \n"), .object([:]))
        XCTAssertNil(JSONValue.parse("{} x"))
        XCTAssertNil(JSONValue.parse("{}\u{0}"))
    }
}
