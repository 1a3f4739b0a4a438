import XCTest

@testable import KimiProfilesCore

final class HTTPHeadParserTests: XCTestCase {
    private func parse(
        _ text: String, kind: HTTPHeadParser.Kind = .request, maxBytes: Int = 64 * 1024, maxFields: Int = 100
    ) throws -> (head: HTTPHeadParser.Head, length: Int)? {
        var parser = HTTPHeadParser(kind: kind, maxBytes: maxBytes, maxFields: maxFields)
        return try withBytes(text) { try parser.parse($0) }
    }

    private func request(_ text: String) throws -> HTTPRequestHead {
        guard case let .request(head) = try XCTUnwrap(try parse(text)).head else {
            throw HTTPParseError.invalidStartLine
        }
        return head
    }

    private func response(_ text: String) throws -> HTTPResponseHead {
        guard case let .response(head) = try XCTUnwrap(try parse(text, kind: .response)).head else {
            throw HTTPParseError.invalidStartLine
        }
        return head
    }

    private func failure(
        _ text: String, kind: HTTPHeadParser.Kind = .request, maxBytes: Int = 64 * 1024, maxFields: Int = 100
    )
        -> HTTPParseError?
    {
        do {
            _ = try parse(text, kind: kind, maxBytes: maxBytes, maxFields: maxFields)
            return nil
        } catch {
            return error as? HTTPParseError
        }
    }

    func testRequestHead() throws {
        let text =
            "POST /coding/v1/messages?beta=true HTTP/1.1\r\nHost: api\r\nX-Api-Key:  sk-kimi-1 \r\nEmpty:\r\n\r\nBODY"
        let (head, length) = try XCTUnwrap(try parse(text))
        XCTAssertEqual(length, text.utf8.count - 4)
        guard case let .request(request) = head else { return XCTFail("not a request") }
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.target, "/coding/v1/messages?beta=true")
        XCTAssertEqual(request.version, "HTTP/1.1")
        XCTAssertEqual(request.headers.fields.map(\.name), ["Host", "X-Api-Key", "Empty"])
        XCTAssertEqual(request.headers.value("x-api-key"), "sk-kimi-1")
        XCTAssertEqual(request.headers.value("empty"), "")
    }

    func testEveryByteSplitGivesTheSameHead() throws {
        let bytes = Array("GET /a HTTP/1.0\r\nA: 1\r\nB: two words\r\n\r\nrest".utf8)
        for split in 0...bytes.count {
            var parser = HTTPHeadParser(kind: .request)
            let early = try bytes[0..<split].withUnsafeBytes { try parser.parse($0) }
            let parsed = try early ?? bytes.withUnsafeBytes { try parser.parse($0) }
            let (head, length) = try XCTUnwrap(parsed, "split at \(split)")
            XCTAssertEqual(length, bytes.count - 4, "split at \(split)")
            guard case let .request(request) = head else { return XCTFail("not a request") }
            XCTAssertEqual(request.version, "HTTP/1.0")
            XCTAssertEqual(request.headers.value("b"), "two words")
        }
    }

    func testIncompleteHeadNeedsMoreBytes() throws {
        XCTAssertNil(try parse("GET / HTTP/1.1\r\nHost: x\r\n"))
        XCTAssertNil(try parse("GET / HTTP/1.1\r\nHost: x\r\n\r"))
    }

    func testBareLineFeeds() throws {
        let head = try request("GET / HTTP/1.1\nHost: x\n\n")
        XCTAssertEqual(head.headers.value("host"), "x")
    }

    func testResponseHeads() throws {
        let ok = try response("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
        XCTAssertEqual(ok.status, 200)
        XCTAssertEqual(ok.reason, "OK")
        XCTAssertEqual(try response("HTTP/1.1 404\r\n\r\n").reason, "")
        XCTAssertEqual(try response("HTTP/1.0 503 Service Unavailable\r\n\r\n").reason, "Service Unavailable")
    }

    func testBadStartLines() {
        for line in [
            "get / HTTP/1.1 x", "GET  / HTTP/1.1", "GET / HTTP/1.1 ", "GET /\u{7F} HTTP/1.1", "GET / http/1.1",
            "GET / HTTP/11",
        ] {
            XCTAssertEqual(failure(line + "\r\n\r\n"), .invalidStartLine, line)
        }
        XCTAssertEqual(failure("G(T / HTTP/1.1\r\n\r\n"), .invalidStartLine)
        XCTAssertEqual(failure("GET / HTTP/2.0\r\n\r\n"), .unsupportedVersion)
        XCTAssertEqual(failure("\r\n\r\n"), .invalidStartLine)
        for line in ["HTTP/1.1 2000 OK", "HTTP/1.1 099 X", "HTTP/1.1  200 OK", "ICY 200 OK", "HTTP/1.1 200 O\u{01}K"] {
            XCTAssertEqual(failure(line + "\r\n\r\n", kind: .response), .invalidStartLine, line)
        }
    }

    func testBadHeaderLines() {
        XCTAssertEqual(failure("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"), .obsoleteLineFolding)
        XCTAssertEqual(failure("GET / HTTP/1.1\r\n\tX: a\r\n\r\n"), .obsoleteLineFolding)
        XCTAssertEqual(failure("GET / HTTP/1.1\r\nX : a\r\n\r\n"), .invalidHeaderName)
        XCTAssertEqual(failure("GET / HTTP/1.1\r\n: a\r\n\r\n"), .invalidHeaderName)
        XCTAssertEqual(failure("GET / HTTP/1.1\r\nno-colon\r\n\r\n"), .invalidHeaderName)
        XCTAssertEqual(failure("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"), .invalidHeaderValue(name: "X"))
        XCTAssertEqual(failure("GET / HTTP/1.1\r\nX: a\u{0}b\r\n\r\n"), .invalidHeaderValue(name: "X"))
    }

    func testObsTextAndTabsAreAllowedInValues() throws {
        let head = try request("GET / HTTP/1.1\r\nX: caf\u{E9}\ttab\r\n\r\n")
        XCTAssertEqual(head.headers.value("x"), "caf\u{E9}\ttab")
    }

    func testLimits() {
        XCTAssertEqual(
            failure("GET / HTTP/1.1\r\nX: \(String(repeating: "a", count: 100))", maxBytes: 64),
            .headTooLarge(limit: 64))
        XCTAssertEqual(
            failure("GET / HTTP/1.1\r\nX: \(String(repeating: "a", count: 100))\r\n\r\n", maxBytes: 64),
            .headTooLarge(limit: 64))
        XCTAssertEqual(
            failure("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", maxFields: 2), .tooManyHeaders(limit: 2))
        XCTAssertNil(failure("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", maxFields: 2))
    }

    func testParserCanBeReusedForTheNextHead() throws {
        let bytes = Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n".utf8)
        var parser = HTTPHeadParser(kind: .response)
        let first = try XCTUnwrap(try bytes.withUnsafeBytes { try parser.parse($0) })
        let second = try XCTUnwrap(
            try bytes[first.length...].withUnsafeBytes { try parser.parse($0) })
        guard case let .response(interim) = first.head, case let .response(final) = second.head else {
            return XCTFail("not responses")
        }
        XCTAssertEqual([interim.status, final.status], [100, 200])
    }
}
