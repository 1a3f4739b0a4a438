import XCTest

@testable import KimiProfilesCore

final class HTTPBodyFramingTests: XCTestCase {
    private func response(_ headers: [(String, String)], status: Int = 200, method: String = "GET") throws
        -> HTTPBodyFraming
    {
        try HTTPBodyFraming.response(
            HTTPResponseHead(status: status, headers: HTTPHeaders(headers)), requestMethod: method)
    }

    private func request(_ headers: [(String, String)]) throws -> HTTPBodyFraming {
        try HTTPBodyFraming.request(HTTPRequestHead(method: "POST", target: "/", headers: HTTPHeaders(headers)))
    }

    func testResponseFramings() throws {
        XCTAssertEqual(try response([("Content-Length", "12")]), .contentLength(12))
        XCTAssertEqual(try response([("Transfer-Encoding", "Chunked")]), .chunked)
        XCTAssertEqual(try response([]), .untilClose)
        XCTAssertEqual(try response([("Content-Length", "12")], method: "HEAD"), .none)
        for status in [100, 101, 204, 304] {
            XCTAssertEqual(try response([("Content-Length", "5")], status: status), .none)
        }
    }

    func testRequestWithoutFramingHasNoBody() throws {
        XCTAssertEqual(try request([]), .none)
        XCTAssertEqual(try request([("Content-Length", "0")]), .contentLength(0))
    }

    func testContentLengthRules() throws {
        XCTAssertEqual(try request([("Content-Length", "5, 5"), ("content-length", "5")]), .contentLength(5))
        for bad in ["", "-1", "+1", "1.0", "0x1", " ", "1,,1", "1234567890123456789"] {
            XCTAssertThrowsError(try request([("Content-Length", bad)]), bad) {
                XCTAssertEqual($0 as? HTTPParseError, .invalidContentLength, bad)
            }
        }
        XCTAssertThrowsError(try request([("Content-Length", "5"), ("Content-Length", "6")])) {
            XCTAssertEqual($0 as? HTTPParseError, .conflictingContentLength)
        }
    }

    func testTransferEncodingRules() {
        XCTAssertThrowsError(try request([("Content-Length", "5"), ("Transfer-Encoding", "chunked")])) {
            XCTAssertEqual($0 as? HTTPParseError, .contentLengthWithTransferEncoding)
        }
        for bad in ["gzip", "gzip, chunked", "chunked, chunked", "identity", "chunked,"] {
            XCTAssertThrowsError(try request([("Transfer-Encoding", bad)]), bad) {
                XCTAssertEqual($0 as? HTTPParseError, .unsupportedTransferEncoding, bad)
            }
        }
    }
}
