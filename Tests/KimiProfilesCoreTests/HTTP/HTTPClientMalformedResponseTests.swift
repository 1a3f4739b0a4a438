import Foundation
import TestSupport
import XCTest

@testable import KimiProfilesCore

/// The client against a raw TCP server that answers with broken HTTP.
final class HTTPClientMalformedResponseTests: XCTestCase {
    /// Sends `reply` (then closes) to a GET and returns what the client made of it.
    private func exchange(_ reply: String, method: String = "GET") -> Result<HTTPResponse, HTTPError> {
        let server = RawTCPServer { connection in
            _ = connection.readHead()
            connection.write(reply)
        }
        defer { server.stop() }
        do {
            return .success(try makeClient().send(request(loopbackURL(server.port), method: method)))
        } catch let error as HTTPError {
            return .failure(error)
        } catch {
            XCTFail("unexpected error \(error)")
            return .failure(.invalidRequest("unexpected"))
        }
    }

    private func assertMalformed(
        _ reply: String, _ reason: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        guard case let .failure(error) = exchange(reply) else {
            return XCTFail("a malformed reply was accepted", file: file, line: line)
        }
        XCTAssertEqual(error, .malformedResponse(host: "127.0.0.1", reason: reason), file: file, line: line)
    }

    func testGarbageStatusLine() {
        assertMalformed("SSH-2.0-OpenSSH_9.2\r\n\r\n", "invalid start line")
        assertMalformed("HTTP/1.1 20 OK\r\n\r\n", "invalid start line")
        assertMalformed("HTTP/1.1 200OK\r\n\r\n", "invalid start line")
        assertMalformed("HTTP/2 200\r\n\r\n", "invalid start line")
        assertMalformed("HTTP/2.0 200 OK\r\n\r\n", "unsupported HTTP version")
    }

    func testBadChunkSize() {
        assertMalformed(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", "invalid chunk size")
        assertMalformed(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", "invalid chunk size")
        assertMalformed(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\nx\r\n", "invalid chunk size")
        assertMalformed(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhelloworld\r\n0\r\n\r\n",
            "chunk data not followed by CRLF")
    }

    func testContentLengthWithTransferEncoding() {
        assertMalformed(
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "both Content-Length and Transfer-Encoding")
    }

    func testInvalidContentLengths() {
        assertMalformed("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "invalid Content-Length")
        assertMalformed("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", "invalid Content-Length")
        assertMalformed("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "invalid Content-Length")
        assertMalformed(
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            "conflicting Content-Length values")
    }

    func testUnsupportedTransferCoding() {
        assertMalformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "unsupported Transfer-Encoding")
    }

    func testFoldedHeaderLine() {
        assertMalformed("HTTP/1.1 200 OK\r\nX-A: one\r\n  two\r\nContent-Length: 0\r\n\r\n", "folded header line")
    }

    func testIdenticalRepeatedContentLengthIsAccepted() throws {
        let response = try exchange("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello").get()
        XCTAssertEqual(text(response.body), "hello")
    }

    func testChunkExtensionsAndTrailersAreAccepted() throws {
        let reply =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6 ; x\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
        XCTAssertEqual(text(try exchange(reply).get().body), "hello world")
    }

    func testBodyUntilCloseWhenThereIsNoFraming() throws {
        XCTAssertEqual(text(try exchange("HTTP/1.1 200 OK\r\nX-A: b\r\n\r\nuntil the end").get().body), "until the end")
    }

    func testBareLineFeedsAreAccepted() throws {
        XCTAssertEqual(text(try exchange("HTTP/1.1 200 OK\nContent-Length: 2\n\nok").get().body), "ok")
    }

    func testInterimResponsesAreSkipped() throws {
        let response = try exchange(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        ).get()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(text(response.body), "ok")
    }

    func testResponseToHeadHasNoBodyWhateverItsLength() throws {
        let response = try exchange("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", method: "HEAD").get()
        XCTAssertEqual(response.body.count, 0)
    }

    func testConnectionClosedBeforeAnyResponse() {
        guard case let .failure(error) = exchange("") else { return XCTFail("no error") }
        XCTAssertEqual(error, .connectionClosed(.waitingForResponse, host: "127.0.0.1"))
        XCTAssertEqual("\(error)", "connection closed before a response came from 127.0.0.1")
    }

    func testConnectionClosedInsideTheHead() {
        guard case let .failure(error) = exchange("HTTP/1.1 200 OK\r\nContent-Le") else { return XCTFail("no error") }
        XCTAssertEqual(error, .connectionClosed(.waitingForResponse, host: "127.0.0.1"))
    }

    func testConnectionClosedBeforeContentLengthWasReached() {
        guard case let .failure(error) = exchange("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..") else {
            return XCTFail("a short body was accepted")
        }
        XCTAssertEqual(error, .connectionClosed(.readingBody, host: "127.0.0.1"))
    }

    func testConnectionClosedBeforeTheLastChunk() {
        guard case let .failure(error) = exchange("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        else { return XCTFail("a body without its last chunk was accepted") }
        XCTAssertEqual(error, .connectionClosed(.readingBody, host: "127.0.0.1"))
    }

    func testMalformedMessagesNeverQuoteHeaderValues() {
        guard case let .failure(error) = exchange("HTTP/1.1 200 OK\r\nSet-Cookie: session=SECRET\u{01}\r\n\r\n") else {
            return XCTFail("a control character was accepted")
        }
        XCTAssertEqual(error, .malformedResponse(host: "127.0.0.1", reason: "invalid value in header 'Set-Cookie'"))
        XCTAssertFalse("\(error)".contains("SECRET"))
    }
}
