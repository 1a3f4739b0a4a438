import Foundation
import TestSupport
import XCTest

@testable import KimiProfilesCore

/// Issue 7 item 4: servers that answer slower than the client's deadlines, with the real client
/// and a real loopback server. A reply that keeps moving never trips the silence deadline, so
/// only the total one can end it; a reply that stops after its head trips the silence deadline.
/// Either way the client gives up with a timeout naming the phase, long before the reply would
/// have been complete. (The seconds asserted are hang guards, not performance targets.)
final class HTTPClientSlowDripTests: XCTestCase {
    /// A valid response of 90 bytes, which takes 18 s at one byte per 200 ms.
    static let reply = Array(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 19\r\n\r\n{\"access_token\":1}\n"
            .utf8)

    /// Counts the bytes a server managed to send.
    final class Sent: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        private var finished = false
        func add() { lock.withLock { count += 1 } }
        func finish() { lock.withLock { finished = true } }
        var bytes: Int { lock.withLock { count } }
        var wholeReply: Bool { lock.withLock { finished } }
    }

    /// A server that reads the request, then writes `reply` one byte every 200 ms until it is
    /// done or the client has gone.
    private func dripServer(_ sent: Sent) -> RawTCPServer {
        RawTCPServer { connection in
            guard connection.readHead() != nil else { return }
            for byte in Self.reply {
                guard connection.write([byte]) else { return }
                sent.add()
                usleep(200_000)
            }
            sent.finish()
        }
    }

    /// 5 s of silence allowed, 1.5 s in all.
    private func totalDeadlineClient() -> HTTPClient {
        makeClient {
            $0.readTimeout = 5
            $0.totalTimeout = 1.5
        }
    }

    /// 1 s of silence allowed, 60 s in all.
    private func silenceDeadlineClient() -> HTTPClient {
        makeClient {
            $0.readTimeout = 1
            $0.totalTimeout = 60
        }
    }

    func testAReplyDrippedByteByByteIsCutOffByTheTotalDeadline() {
        let sent = Sent()
        let server = dripServer(sent)
        defer { server.stop() }
        // 5 s of silence would never trip: a byte comes every 200 ms.
        let client = totalDeadlineClient()
        let (error, seconds) = timed { expectHTTPError { try client.send(request(loopbackURL(server.port))) } }
        XCTAssertEqual(error, .timeout(.waitingForResponse, host: "127.0.0.1"))
        XCTAssertEqual(error.map { "\($0)" }, "timed out waiting for the response from 127.0.0.1")
        XCTAssertEqual(error?.isTransient, true, "OAuth retries a timeout")
        XCTAssertLessThan(seconds, 10, "hang guard")
        XCTAssertFalse(sent.wholeReply, "the client did not wait for the whole reply")
        XCTAssertLessThan(sent.bytes, Self.reply.count)
    }

    /// `stream` (the proxy's way) applies the total deadline until the head has arrived.
    func testAStreamWhoseHeadDripsIsCutOffByTheTotalDeadline() {
        let sent = Sent()
        let server = dripServer(sent)
        defer { server.stop() }
        let client = totalDeadlineClient()
        var heads = 0
        let (error, seconds) = timed {
            expectHTTPError {
                try client.stream(request(loopbackURL(server.port)), head: { _ in heads += 1 }, body: { _ in })
            }
        }
        XCTAssertEqual(error, .timeout(.waitingForResponse, host: "127.0.0.1"))
        XCTAssertEqual(heads, 0)
        XCTAssertLessThan(seconds, 10, "hang guard")
        XCTAssertFalse(sent.wholeReply)
    }

    /// A server that sends the head and part of the body, then holds the connection open in
    /// silence until the client leaves (or 30 s pass).
    private func silentAfterHeadServer() -> RawTCPServer {
        RawTCPServer { connection in
            guard connection.readHead() != nil else { return }
            connection.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"acc")
            _ = connection.isClosedByPeer(timeout: 30)
        }
    }

    func testSilenceAfterTheHeadIsCutOffByTheReadDeadline() {
        let server = silentAfterHeadServer()
        defer { server.stop() }
        // The total deadline is far away: only the silence deadline can end this.
        let client = silenceDeadlineClient()
        let (error, seconds) = timed { expectHTTPError { try client.send(request(loopbackURL(server.port))) } }
        XCTAssertEqual(error, .timeout(.readingBody, host: "127.0.0.1"))
        XCTAssertEqual(error.map { "\($0)" }, "timed out reading the response body from 127.0.0.1")
        XCTAssertEqual(error?.isTransient, true)
        XCTAssertLessThan(seconds, 10, "hang guard")
    }

    func testAStreamThatFallsSilentAfterItsHeadIsCutOffByTheReadDeadline() {
        let server = silentAfterHeadServer()
        defer { server.stop() }
        let client = silenceDeadlineClient()
        var status: Int?
        var received: [UInt8] = []
        let (error, seconds) = timed {
            expectHTTPError {
                try client.stream(
                    request(loopbackURL(server.port)), head: { status = $0.status }, body: { received += $0 })
            }
        }
        XCTAssertEqual(error, .timeout(.readingBody, host: "127.0.0.1"))
        XCTAssertEqual(status, 200, "the head was delivered")
        XCTAssertEqual(String(decoding: received, as: UTF8.self), "{\"acc", "what came before the silence was delivered")
        XCTAssertLessThan(seconds, 10, "hang guard")
    }
}
