import XCTest

@testable import KimiProfilesCore

final class HTTPHeadWriterTests: XCTestCase {
    private func requestHead(
        method: String = "GET", target: String = "/", headers: [(String, String)] = [], bodyLength: Int? = nil,
        userAgent: String = "kimi-profiles/1.0"
    ) throws -> String {
        let buffer = ByteBuffer()
        try HTTPHeadWriter.request(
            method: method, target: target, authority: "api.kimi.com", headers: HTTPHeaders(headers),
            bodyLength: bodyLength, userAgent: userAgent, into: buffer)
        return String(decoding: buffer.readable, as: UTF8.self)
    }

    func testRequestHeadLayout() throws {
        XCTAssertEqual(
            try requestHead(target: "/coding/v1/usages", headers: [("Accept", "application/json")]),
            "GET /coding/v1/usages HTTP/1.1\r\nHost: api.kimi.com\r\nAccept: application/json\r\n"
                + "User-Agent: kimi-profiles/1.0\r\nConnection: close\r\n\r\n")
    }

    func testFramingFieldsAreTheLayersOwn() throws {
        let head = try requestHead(
            method: "POST",
            headers: [
                ("Host", "evil"), ("Content-Length", "999"), ("Transfer-Encoding", "chunked"),
                ("Connection", "keep-alive"),
            ], bodyLength: 3)
        XCTAssertEqual(
            head,
            "POST / HTTP/1.1\r\nHost: api.kimi.com\r\nUser-Agent: kimi-profiles/1.0\r\nContent-Length: 3\r\nConnection: close\r\n\r\n"
        )
    }

    func testBodilessPostStillSaysContentLengthZero() throws {
        XCTAssertTrue(try requestHead(method: "POST").contains("\r\nContent-Length: 0\r\n"))
        XCTAssertFalse(try requestHead(method: "GET").contains("Content-Length"))
    }

    func testSecretValuesAreWrittenByteForByte() throws {
        let buffer = ByteBuffer()
        var headers = HTTPHeaders()
        headers.add("Authorization", secret: Secret("Bearer eyJ.secret"))
        try HTTPHeadWriter.request(
            method: "GET", target: "/", authority: "h", headers: headers, bodyLength: nil, userAgent: "", into: buffer)
        XCTAssertTrue(
            String(decoding: buffer.readable, as: UTF8.self).contains("\r\nAuthorization: Bearer eyJ.secret\r\n"))
    }

    func testHeadSplittingIsRefused() {
        for (name, value) in [
            ("X", "a\r\nInjected: 1"), ("X", "a\nb"), ("X", "a\u{0}"), ("X", " leading"), ("X", "trailing\t"),
        ] {
            XCTAssertThrowsError(try requestHead(headers: [(name, value)])) {
                XCTAssertEqual(($0 as? HTTPHeadWriter.Invalid)?.what, "value of header 'X'")
            }
        }
        for name in ["Bad Name", "X:Y", "", "Ä"] {
            XCTAssertThrowsError(try requestHead(headers: [(name, "v")])) {
                XCTAssertEqual(($0 as? HTTPHeadWriter.Invalid)?.what, "header name")
            }
        }
        XCTAssertThrowsError(try requestHead(method: "GET /x HTTP/1.1\r\n"))
        XCTAssertThrowsError(try requestHead(target: "/a b"))
        XCTAssertThrowsError(try requestHead(userAgent: "ua\r\nX: y"))
    }

    func testResponseHeads() throws {
        let buffer = ByteBuffer()
        try HTTPHeadWriter.response(
            status: 401, headers: HTTPHeaders([("Content-Length", "1"), ("WWW-Authenticate", "Bearer")]),
            framing: .contentLength(0), into: buffer)
        XCTAssertEqual(
            String(decoding: buffer.readable, as: UTF8.self),
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        buffer.clear()
        try HTTPHeadWriter.response(status: 200, headers: HTTPHeaders(), framing: .chunked, into: buffer)
        XCTAssertTrue(String(decoding: buffer.readable, as: UTF8.self).contains("\r\nTransfer-Encoding: chunked\r\n"))
    }
}
