import Foundation
import TestSupport
import XCTest

@testable import KimiProfilesCore

/// The server against raw clients that send what they like.
final class HTTPServerTests: XCTestCase {
    /// A server that answers 200 with the request's method, target and body.
    private func echoServer(_ configuration: HTTPServerConfiguration = HTTPServerConfiguration()) throws -> HTTPServer {
        try HTTPServer(configuration: configuration) { request, writer in
            writer.respond(status: 200, body: Array("\(request.method) \(request.target) ".utf8) + array(request.body))
        }
    }

    /// Sends `raw` on a new connection and returns everything the server answered before closing.
    private func exchange(_ raw: String, port: Int, timeout: Double = 5) throws -> String {
        let client = try XCTUnwrap(RawSocket.connect(port: port))
        client.write(raw)
        return client.readAll(timeout: timeout)
    }

    func testServesAndReportsItsPort() throws {
        let server = try echoServer()
        defer { server.stop() }
        XCTAssertGreaterThan(server.port, 0)
        let reply = try exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", port: server.port)
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 200 OK\r\n"), reply)
        XCTAssertTrue(reply.contains("\r\nConnection: close\r\n"), reply)
        XCTAssertTrue(reply.hasSuffix("\r\n\r\nGET /hello "), reply)
    }

    func testGarbageGets400AndTheServerCarriesOn() throws {
        let server = try echoServer()
        defer { server.stop() }
        for garbage in [
            "\u{16}\u{03}\u{01}\u{02}\u{00}\r\n\r\n", "GET\r\n\r\n", "GET / HTTP/1.1 extra\r\n\r\n",
            "GET /a b HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
            "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", "GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nX : a\r\n\r\n", "\r\nGET / HTTP/1.1\r\n\r\n",
        ] {
            let reply = try exchange(garbage, port: server.port)
            XCTAssertTrue(reply.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(garbage.debugDescription) → \(reply)")
        }
        XCTAssertTrue(try exchange("GET /still HTTP/1.1\r\n\r\n", port: server.port).hasSuffix("GET /still "))
    }

    func testUnsupportedVersionGets505() throws {
        let server = try echoServer()
        defer { server.stop() }
        XCTAssertTrue(try exchange("GET / HTTP/2.0\r\n\r\n", port: server.port).hasPrefix("HTTP/1.1 505 "))
    }

    func testContentLengthWithTransferEncodingGets400() throws {
        let server = try echoServer()
        defer { server.stop() }
        let reply = try exchange(
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nhello",
            port: server.port)
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 400 "), reply)
    }

    func testDifferingContentLengthsGet400() throws {
        let server = try echoServer()
        defer { server.stop() }
        let reply = try exchange(
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 3\r\n\r\nhello", port: server.port)
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 400 "), reply)
        let same = try exchange(
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", port: server.port)
        XCTAssertTrue(same.hasSuffix("POST / hello"), same)
    }

    func testUnknownTransferCodingGets501() throws {
        let server = try echoServer()
        defer { server.stop() }
        let reply = try exchange("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", port: server.port)
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 501 "), reply)
    }

    func testChunkedRequestBodyIsDeliveredWhole() throws {
        let server = try echoServer()
        defer { server.stop() }
        let reply = try exchange(
            "POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\n",
            port: server.port)
        XCTAssertTrue(reply.hasSuffix("POST /up Wikipedia"), reply)
    }

    func testBodyOverTheLimitGets413() throws {
        let server = try echoServer(HTTPServerConfiguration(maxBodyBytes: 10))
        defer { server.stop() }
        XCTAssertTrue(
            try exchange("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world", port: server.port)
                .hasPrefix("HTTP/1.1 413 "))
        XCTAssertTrue(
            try exchange(
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n",
                port: server.port
            )
            .hasPrefix("HTTP/1.1 413 "))
        XCTAssertTrue(
            try exchange("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nhelloworld", port: server.port)
                .hasSuffix("POST / helloworld"))
    }

    func testOversizedHeadGets431() throws {
        let server = try echoServer(HTTPServerConfiguration(maxHeaderBytes: 1024, maxHeaderCount: 5))
        defer { server.stop() }
        let long = "GET / HTTP/1.1\r\nX-Big: \(String(repeating: "a", count: 2000))\r\n\r\n"
        XCTAssertTrue(try exchange(long, port: server.port).hasPrefix("HTTP/1.1 431 "))
        let many = "GET / HTTP/1.1\r\n" + (1...6).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        XCTAssertTrue(try exchange(many, port: server.port).hasPrefix("HTTP/1.1 431 "))
    }

    func testSlowHeadGets408AfterTheHeaderTimeout() throws {
        let server = try echoServer(HTTPServerConfiguration(headerTimeout: 0.3))
        defer { server.stop() }
        let client = try XCTUnwrap(RawSocket.connect(port: server.port))
        client.write("GET / HTTP/1.1\r\nX-Slow: ")
        let (reply, seconds) = timed { client.readAll(timeout: 3) }
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 408 "), reply)
        XCTAssertLessThan(seconds, 1.5)
    }

    func testSilentConnectionIsClosedWithoutAReply() throws {
        let server = try echoServer(HTTPServerConfiguration(headerTimeout: 0.2))
        defer { server.stop() }
        let client = try XCTUnwrap(RawSocket.connect(port: server.port))
        XCTAssertEqual(client.readAll(timeout: 3), "")
    }

    func testExpectContinueGetsAnInterimResponse() throws {
        let server = try echoServer()
        defer { server.stop() }
        let client = try XCTUnwrap(RawSocket.connect(port: server.port))
        client.write("POST / HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(client.readHead(), "HTTP/1.1 100 Continue\r\n\r\n")
        client.write("hello")
        XCTAssertTrue(client.readAll().hasSuffix("POST / hello"))
    }

    func testStreamToAnHTTP10ClientEndsAtClose() throws {
        let server = try HTTPServer { _, writer in
            writer.writeHead(status: 200)
            writer.writeChunk(Array("one ".utf8))
            writer.writeChunk(Array("two".utf8))
            writer.finish()
        }
        defer { server.stop() }
        let reply = try exchange("GET / HTTP/1.0\r\n\r\n", port: server.port)
        XCTAssertFalse(reply.lowercased().contains("transfer-encoding"), reply)
        XCTAssertTrue(reply.hasSuffix("\r\n\r\none two"), reply)
        let chunked = try exchange("GET / HTTP/1.1\r\n\r\n", port: server.port)
        XCTAssertTrue(chunked.hasSuffix("\r\n\r\n4\r\none \r\n3\r\ntwo\r\n0\r\n\r\n"), chunked)
    }

    func testInvalidResponseHeaderFromAHandlerBecomes500() throws {
        let server = try HTTPServer { _, writer in
            XCTAssertFalse(writer.respond(status: 200, headers: HTTPHeaders([("X-Bad", "a\r\nInjected: 1")])))
        }
        defer { server.stop() }
        let reply = try exchange("GET / HTTP/1.1\r\n\r\n", port: server.port)
        XCTAssertTrue(reply.hasPrefix("HTTP/1.1 500 "), reply)
        XCTAssertFalse(reply.contains("Injected"), reply)
    }

    /// Waits until the server runs `threads` threads (the accept thread included).
    private func waitForThreads(_ server: HTTPServer, _ threads: Int) {
        let deadline = Date().addingTimeInterval(2)
        while server.liveThreadCount != threads, Date() < deadline { usleep(5000) }
        XCTAssertEqual(server.liveThreadCount, threads)
    }

    func testAtTheCapTheOldestConnectionWaitingForItsHeadMakesRoom() throws {
        let server = try echoServer(HTTPServerConfiguration(maxConnections: 2, headerTimeout: 30))
        defer { server.stop() }
        let first = try XCTUnwrap(RawSocket.connect(port: server.port))
        waitForThreads(server, 2)
        let second = try XCTUnwrap(RawSocket.connect(port: server.port))
        waitForThreads(server, 3)
        // Both wait for their heads; a third client is served at once, and the oldest is cut,
        // long before the 30-second header timeout.
        let third = try XCTUnwrap(RawSocket.connect(port: server.port))
        third.write("GET /third HTTP/1.1\r\n\r\n")
        XCTAssertTrue(third.readAll(timeout: 5).hasSuffix("GET /third "))
        XCTAssertTrue(first.isClosedByPeer(timeout: 5), "the oldest idle connection was cut")
        XCTAssertFalse(second.isClosedByPeer(timeout: 0.05))
        second.write("GET /second HTTP/1.1\r\n\r\n")
        XCTAssertTrue(second.readAll(timeout: 5).hasSuffix("GET /second "))
        first.close()
    }

    func testWhenEveryConnectionIsPastItsHeadANewOneIsClosedAtOnce() throws {
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let server = try HTTPServer(configuration: HTTPServerConfiguration(maxConnections: 2, headerTimeout: 30)) {
            request, writer in
            started.signal()
            release.wait()
            writer.respond(status: 200, body: Array(request.target.utf8))
        }
        defer { server.stop() }
        var busy: [RawSocket] = []
        for index in 0..<2 {
            let client = try XCTUnwrap(RawSocket.connect(port: server.port))
            client.write("GET /busy\(index) HTTP/1.1\r\n\r\n")
            XCTAssertEqual(started.wait(timeout: .now() + 5), .success)
            busy.append(client)
        }
        // Closed long before the 30-second head timeout could have closed it.
        let refused = try XCTUnwrap(RawSocket.connect(port: server.port))
        XCTAssertTrue(refused.isClosedByPeer(timeout: 5))
        release.signal()
        release.signal()
        for (index, client) in busy.enumerated() {
            XCTAssertTrue(client.readAll(timeout: 5).hasSuffix("/busy\(index)"), "requests in progress are never cut")
        }
    }

    func testStopCutsOpenConnectionsAndJoinsEveryThread() throws {
        let handlerStarted = DispatchSemaphore(value: 0)
        let writesFailed = Recorder<Bool>()
        let server = try HTTPServer { _, writer in
            writer.writeHead(status: 200)
            handlerStarted.signal()
            // A stream that goes on until the client is cut off.
            for _ in 0..<500 {
                if !writer.writeChunk(Array("tick\n".utf8)) { return writesFailed.append(true) }
                usleep(10_000)
            }
        }
        let idle = try XCTUnwrap(RawSocket.connect(port: server.port))
        let streaming = try XCTUnwrap(RawSocket.connect(port: server.port))
        streaming.write("GET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(handlerStarted.wait(timeout: .now() + 5), .success)
        let (_, seconds) = timed { server.stop() }
        XCTAssertLessThan(seconds, 2)
        XCTAssertEqual(server.liveThreadCount, 0)
        XCTAssertEqual(writesFailed.values, [true])
        XCTAssertTrue(idle.isClosedByPeer(timeout: 1))
        XCTAssertNil(RawSocket.connect(port: server.port), "still listening after stop")
        server.stop()
    }

    func testReleasingTheServerStopsIt() throws {
        var server: HTTPServer? = try echoServer()
        let port = server!.port
        server = nil
        XCTAssertNil(RawSocket.connect(port: port))
    }

    func testServesHTTPSWithTheGivenCertificate() throws {
        let certificates = TestCertificates()
        let server = try HTTPServer(
            configuration: HTTPServerConfiguration(
                tls: .init(certificateChain: certificates.goodCertificate, privateKey: certificates.serverKey))
        ) { request, writer in writer.respond(status: 200, body: Array("secure \(request.target)".utf8)) }
        defer { server.stop() }
        let client = makeClient { $0.trustRoots = certificates.caCertificate }
        let response = try client.send(request(loopbackURL(server.port, "/x", scheme: "https", host: "localhost")))
        XCTAssertEqual(text(response.body), "secure /x")
        // A plain-HTTP client gets nothing sensible from a TLS port, and the server carries on.
        XCTAssertNotNil(expectHTTPError { try makeClient().send(request(loopbackURL(server.port))) })
        XCTAssertEqual(
            text(try client.send(request(loopbackURL(server.port, "/y", scheme: "https", host: "127.0.0.1"))).body),
            "secure /y")
    }

    func testPortInUseIsReported() throws {
        let first = try echoServer()
        defer { first.stop() }
        XCTAssertThrowsError(try echoServer(HTTPServerConfiguration(port: first.port))) {
            XCTAssertEqual(
                $0 as? HTTPError, .cannotListen(port: first.port, reason: "bind failed: address already in use"))
        }
        XCTAssertThrowsError(try echoServer(HTTPServerConfiguration(port: 70000))) {
            XCTAssertEqual("\($0)", "cannot listen on 127.0.0.1:70000: not a TCP port")
        }
    }

    func testMissingCertificateFileIsAConfigurationError() {
        XCTAssertThrowsError(
            try HTTPServer(
                configuration: HTTPServerConfiguration(
                    tls: .init(certificateChain: "/nonexistent/cert.pem", privateKey: "/nonexistent/key.pem"))
            ) { _, _ in }
        ) { error in
            guard case .tlsConfiguration = error as? HTTPError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("/nonexistent/cert.pem"), "\(error)")
        }
    }
}
