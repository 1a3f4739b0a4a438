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
}
