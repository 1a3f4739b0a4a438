import Foundation
import TestSupport
import XCTest

@testable import KimiProfilesCore

/// The client against the server, over loopback.
final class HTTPClientServerTests: XCTestCase {
    func testGetWithContentLengthCarriesHeadersBothWays() throws {
        let seen = Recorder<HTTPServerRequest>()
        let server = try HTTPServer { request, writer in
            seen.append(request)
            var headers = HTTPHeaders()
            headers.add("Content-Type", "text/plain")
            writer.respond(status: 200, headers: headers, body: Array("hello".utf8))
        }
        defer { server.stop() }
        let response = try makeClient().send(
            request(loopbackURL(server.port, "/path?q=1"), headers: [("Authorization", "Bearer sk-kimi-secret")]))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.head.reason, "OK")
        XCTAssertEqual(text(response.body), "hello")
        XCTAssertEqual(response.head.headers.value("content-type"), "text/plain")
        XCTAssertEqual(response.head.headers.value("content-length"), "5")
        let received = try XCTUnwrap(seen.values.first)
        XCTAssertEqual(received.method, "GET")
        XCTAssertEqual(received.target, "/path?q=1")
        XCTAssertEqual(received.headers.value("host"), "127.0.0.1:\(server.port)")
        XCTAssertEqual(received.headers.value("connection"), "close")
        XCTAssertEqual(received.headers.value("authorization"), "Bearer sk-kimi-secret")
        XCTAssertFalse(received.headers.contains("content-length"))
        XCTAssertEqual(received.body.count, 0)
    }

    func testPostSendsTheBodyWithContentLength() throws {
        let seen = Recorder<HTTPServerRequest>()
        let server = try HTTPServer { request, writer in
            seen.append(request)
            writer.respond(status: 201, body: request.body)
        }
        defer { server.stop() }
        let form = "client_id=abc&grant_type=refresh_token&refresh_token=rt-1"
        let response = try makeClient().send(
            request(
                loopbackURL(server.port, "/api/oauth/token"), method: "POST",
                headers: [("Content-Type", "application/x-www-form-urlencoded")], body: form))
        XCTAssertEqual(response.status, 201)
        XCTAssertEqual(text(response.body), form)
        let received = try XCTUnwrap(seen.values.first)
        XCTAssertEqual(received.headers.value("content-length"), "\(form.utf8.count)")
        XCTAssertEqual(text(received.body), form)
    }

    func testLargeBodiesTravelBothWays() throws {
        let server = try HTTPServer { request, writer in writer.respond(status: 200, body: request.body) }
        defer { server.stop() }
        let big = String(repeating: "0123456789abcdef", count: 200_000)  // 3.2 MB
        let response = try makeClient().send(request(loopbackURL(server.port), method: "PUT", body: big))
        XCTAssertEqual(response.body.count, big.utf8.count)
        XCTAssertEqual(text(response.body), big)
    }

    func testUserAgentIsAddedOnlyWhenTheRequestHasNone() throws {
        let agents = Recorder<String?>()
        let server = try HTTPServer { request, writer in
            agents.append(request.headers.value("user-agent"))
            writer.respond(status: 204)
        }
        defer { server.stop() }
        let client = makeClient { $0.userAgent = "kimi-profiles/9.9" }
        _ = try client.send(request(loopbackURL(server.port)))
        _ = try client.send(request(loopbackURL(server.port), headers: [("User-Agent", "custom/1")]))
        XCTAssertEqual(agents.values, ["kimi-profiles/9.9", "custom/1"])
    }

    func testPlainHTTPWorksForEveryLoopbackName() throws {
        let server = try HTTPServer { _, writer in writer.respond(status: 200, body: Array("ok".utf8)) }
        defer { server.stop() }
        for host in ["127.0.0.1", "localhost"] {
            let response = try makeClient().send(request(loopbackURL(server.port, host: host)))
            XCTAssertEqual(text(response.body), "ok", host)
        }
    }

    func testChunkedResponseIsReassembled() throws {
        let server = try HTTPServer { _, writer in
            writer.writeHead(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream")]))
            for part in ["data: one\n\n", "data: two\n\n", "data: [DONE]\n\n"] { writer.writeChunk(Array(part.utf8)) }
            writer.finish()
        }
        defer { server.stop() }
        let response = try makeClient().send(request(loopbackURL(server.port)))
        XCTAssertEqual(response.head.headers.value("transfer-encoding"), "chunked")
        XCTAssertEqual(text(response.body), "data: one\n\ndata: two\n\ndata: [DONE]\n\n")
    }

    func testUnfinishedStreamIsFinishedWhenTheHandlerReturns() throws {
        let server = try HTTPServer { _, writer in
            writer.writeHead(status: 200)
            writer.writeChunk(Array("partial".utf8))
        }
        defer { server.stop() }
        XCTAssertEqual(text(try makeClient().send(request(loopbackURL(server.port))).body), "partial")
    }

    func testAbortedStreamReachesTheClientAsCutShort() throws {
        let server = try HTTPServer { _, writer in
            writer.writeHead(status: 200)
            writer.writeChunk(Array("partial".utf8))
            writer.abort()
        }
        defer { server.stop() }
        let error = expectHTTPError { try makeClient().send(request(loopbackURL(server.port))) }
        XCTAssertEqual(error, .connectionClosed(.readingBody, host: "127.0.0.1"))
    }

    func testStreamDeliversEachChunkBeforeTheNextIsWritten() throws {
        let firstArrived = DispatchSemaphore(value: 0)
        let waitedForClient = Recorder<Bool>()
        let server = try HTTPServer { _, writer in
            writer.writeHead(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream")]))
            writer.writeChunk(Array("data: first\n\n".utf8))
            // The second chunk is written only once the client has seen the first (or after 5 s,
            // which fails the test): a client that buffered the body would never signal.
            waitedForClient.append(firstArrived.wait(timeout: .now() + 5) == .success)
            writer.writeChunk(Array("data: second\n\n".utf8))
            writer.finish()
        }
        defer { server.stop() }
        var heads: [Int] = []
        var chunks: [String] = []
        try makeClient().stream(
            request(loopbackURL(server.port)),
            head: { heads.append($0.status) },
            body: { bytes in
                chunks.append(String(decoding: bytes, as: UTF8.self))
                if chunks.count == 1 { firstArrived.signal() }
            })
        XCTAssertEqual(heads, [200])
        XCTAssertEqual(chunks, ["data: first\n\n", "data: second\n\n"])
        XCTAssertEqual(waitedForClient.values, [true], "the first chunk did not reach the client on its own")
    }

    func testErrorThrownByAStreamCallbackIsRethrownAsItIs() throws {
        struct Stop: Error, Equatable {}
        let server = try HTTPServer { _, writer in
            writer.writeHead(status: 200)
            writer.writeChunk(Array("x".utf8))
        }
        defer { server.stop() }
        XCTAssertThrowsError(
            try makeClient().stream(request(loopbackURL(server.port)), head: { _ in }, body: { _ in throw Stop() })
        ) { XCTAssertEqual($0 as? Stop, Stop()) }
    }

    func testTenConcurrentRequests() throws {
        let server = try HTTPServer { request, writer in
            usleep(200_000)
            writer.respond(status: 200, body: Array(request.target.utf8))
        }
        defer { server.stop() }
        let client = makeClient()
        let results = Recorder<String>()
        let group = DispatchGroup()
        let (_, seconds) = timed {
            for index in 0..<10 {
                group.enter()
                Thread.detachNewThread {
                    let response = try? client.send(request(loopbackURL(server.port, "/\(index)")))
                    results.append(response.map { text($0.body) } ?? "failed")
                    group.leave()
                }
            }
            group.wait()
        }
        XCTAssertEqual(Set(results.values), Set((0..<10).map { "/\($0)" }))
        // One after another they would take 2 s.
        XCTAssertLessThan(seconds, 1.5, "requests were not served concurrently")
    }

    func testHeadAnd204AndNotModifiedHaveNoBody() throws {
        let server = try HTTPServer { request, writer in
            let status = Int(request.target.dropFirst()) ?? 200
            writer.respond(status: status, body: Array("ignored body".utf8))
        }
        defer { server.stop() }
        let client = makeClient()
        let head = try client.send(request(loopbackURL(server.port, "/200"), method: "HEAD"))
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.head.headers.value("content-length"), "12")
        XCTAssertEqual(head.body.count, 0)
        for status in [204, 304] {
            let response = try client.send(request(loopbackURL(server.port, "/\(status)")))
            XCTAssertEqual(response.status, status)
            XCTAssertEqual(response.body.count, 0)
        }
    }

    func testRedirectsAreReturnedNotFollowed() throws {
        let targets = Recorder<String>()
        let server = try HTTPServer { request, writer in
            targets.append(request.target)
            writer.respond(status: 302, headers: HTTPHeaders([("Location", "/elsewhere")]))
        }
        defer { server.stop() }
        let response = try makeClient().send(request(loopbackURL(server.port, "/start")))
        XCTAssertEqual(response.status, 302)
        XCTAssertEqual(response.head.headers.value("location"), "/elsewhere")
        XCTAssertEqual(targets.values, ["/start"])
    }

    func testBodyOverTheClientLimitIsRefused() throws {
        let server = try HTTPServer { request, writer in
            let body = [UInt8](repeating: 0x61, count: 2000)
            if request.target == "/chunked" {
                writer.writeHead(status: 200)
                writer.writeChunk(body)
                writer.finish()
            } else {
                writer.respond(status: 200, body: body)
            }
        }
        defer { server.stop() }
        let client = makeClient { $0.maxBodyBytes = 1000 }
        for path in ["/length", "/chunked"] {
            let error = expectHTTPError { try client.send(request(loopbackURL(server.port, path))) }
            XCTAssertEqual(error, .responseTooLarge(host: "127.0.0.1", limit: 1000), path)
        }
        XCTAssertEqual(
            try makeClient { $0.maxBodyBytes = 2000 }.send(request(loopbackURL(server.port))).body.count, 2000)
    }

    func testHeadersOverTheClientLimitAreRefused() throws {
        let server = try HTTPServer { _, writer in
            writer.respond(status: 200, headers: HTTPHeaders([("X-Big", String(repeating: "b", count: 5000))]))
        }
        defer { server.stop() }
        let error = expectHTTPError {
            try makeClient { $0.maxHeaderBytes = 4096 }.send(request(loopbackURL(server.port)))
        }
        XCTAssertEqual(error, .headersTooLarge(host: "127.0.0.1", limit: 4096))
    }

    func testServerThatRefusesAnOversizedUploadIsHeard() throws {
        let server = try HTTPServer(configuration: HTTPServerConfiguration(maxBodyBytes: 1000)) { _, writer in
            writer.respond(status: 200)
        }
        defer { server.stop() }
        let big = String(repeating: "x", count: 4 * 1024 * 1024)
        let response = try makeClient().send(request(loopbackURL(server.port), method: "POST", body: big))
        XCTAssertEqual(response.status, 413)
    }

    func testHandlerThatSendsNothingYields500() throws {
        let server = try HTTPServer { _, _ in }
        defer { server.stop() }
        XCTAssertEqual(try makeClient().send(request(loopbackURL(server.port))).status, 500)
    }

    func testHeaderValueWithLineBreakIsRefusedBeforeSending() throws {
        let server = try HTTPServer { _, writer in writer.respond(status: 200) }
        defer { server.stop() }
        var headers = HTTPHeaders()
        headers.add("Authorization", secret: Secret("Bearer x\r\nX-Injected: 1"))
        let error = expectHTTPError {
            try makeClient().send(HTTPRequest(method: "GET", url: loopbackURL(server.port), headers: headers))
        }
        XCTAssertEqual(error, .invalidRequest("value of header 'Authorization'"))
        XCTAssertFalse("\(error!)".contains("Bearer"))
        XCTAssertEqual(server.liveThreadCount, 1, "a connection was made")
    }

    // MARK: - Failures to connect and timeouts

    func testPlainHTTPToAnotherHostIsRefusedBeforeConnecting() {
        let (error, seconds) = timed {
            expectHTTPError { try makeClient().send(request(HTTPURL("http://example.com/x")!)) }
        }
        XCTAssertEqual(error, .plainHTTP(host: "example.com"))
        XCTAssertLessThan(seconds, 1)
        XCTAssertEqual(
            "\(error!)", "refusing plain http:// to example.com: only 127.0.0.1, ::1 and localhost may use http://")
        XCTAssertEqual(
            expectHTTPError { try makeClient().send(request(HTTPURL("http://10.0.0.1:8080/")!)) },
            .plainHTTP(host: "10.0.0.1"))
    }

    func testConnectionRefusedNamesHostAndPort() {
        let port = unusedPort()
        let error = expectHTTPError { try makeClient().send(request(loopbackURL(port))) }
        XCTAssertEqual(error, .connectionRefused(host: "127.0.0.1", port: port))
        XCTAssertEqual("\(error!)", "connection refused by 127.0.0.1:\(port)")
    }

    func testServerThatNeverAnswersTimesOut() {
        let silent = RawTCPServer { connection in
            _ = connection.readHead()
            _ = connection.isClosedByPeer(timeout: 5)
        }
        defer { silent.stop() }
        let client = makeClient { $0.readTimeout = 0.5 }
        let (error, seconds) = timed { expectHTTPError { try client.send(request(loopbackURL(silent.port))) } }
        XCTAssertEqual(error, .timeout(.waitingForResponse, host: "127.0.0.1"))
        XCTAssertEqual("\(error!)", "timed out waiting for the response from 127.0.0.1")
        XCTAssertGreaterThanOrEqual(seconds, 0.45)
        XCTAssertLessThan(seconds, 2)
    }

    func testTotalTimeoutBoundsABodyThatKeepsTrickling() {
        let trickle = RawTCPServer { connection in
            _ = connection.readHead()
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            for _ in 0..<50 {
                guard connection.write("x") else { return }
                usleep(100_000)
            }
        }
        defer { trickle.stop() }
        let client = makeClient {
            $0.readTimeout = 1
            $0.totalTimeout = 0.7
        }
        let (error, seconds) = timed { expectHTTPError { try client.send(request(loopbackURL(trickle.port))) } }
        XCTAssertEqual(error, .timeout(.readingBody, host: "127.0.0.1"))
        XCTAssertLessThan(seconds, 2)
    }

    /// A port with nothing listening: bound, read and released.
    private func unusedPort() -> Int {
        let server = RawTCPServer { _ in }
        let port = server.port
        server.stop()
        return port
    }
}
