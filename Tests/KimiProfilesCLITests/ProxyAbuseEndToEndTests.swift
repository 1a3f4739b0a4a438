import Foundation
import KimiProfilesCore
import TestSupport
import XCTest

/// Issue 7 item 6: a running `exec` proxy under abuse — idle connections by the thousand, header
/// floods, ambiguous framing and a client that never reads — keeps its memory and descriptors
/// bounded, forwards nothing it should not, and goes on serving.
final class ProxyAbuseEndToEndTests: EndToEndTestCase {
    var kimi: FakeKimi!
    var upstream: HTTPServer!
    var upstreamURL: String { "http://127.0.0.1:\(upstream.port)" }
    /// Bytes the endless stream has written upstream.
    let streamed = Counter()
    let stopStreaming = Counter()

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add(_ value: Int) { lock.withLock { count += value } }
        var value: Int { lock.withLock { count } }
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        kimi = FakeKimi()
        kimi.eventDelay = 0.001
        // The fake Kimi, except that a message whose body asks for "endless" streams 16 KiB
        // chunks until the writer fails or the test ends.
        let kimi = kimi!, streamed = streamed, stop = stopStreaming
        upstream = try HTTPServer(configuration: HTTPServerConfiguration(headerTimeout: 5, readTimeout: 5, writeTimeout: 5)) {
            request, writer in
            var headers: [String: String] = [:]
            for field in request.headers.fields {
                headers[field.name.lowercased()] = field.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
            }
            let body = request.body.withUnsafeBytes { Array($0) }
            let endless = String(decoding: body, as: UTF8.self).contains("endless")
            switch kimi.handle(method: request.method, path: request.target, headers: headers, body: endless ? [] : body) {
            case let .json(status, text) where !(endless && status == 200):
                _ = writer.respond(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(text.utf8))
            case .json:
                guard writer.writeHead(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream")])) else { return }
                let chunk = Array(("data: " + String(repeating: "x", count: 16 * 1024 - 8) + "\n\n").utf8)
                while stop.value == 0, writer.writeChunk(chunk) { streamed.add(chunk.count) }
                writer.abort()
            case let .raw(status, contentType, text):
                _ = writer.respond(status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: Array(text.utf8))
            case let .events(events, delay):
                guard writer.writeHead(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream")])) else { return }
                for event in events {
                    usleep(UInt32(delay * 1_000_000))
                    guard writer.writeChunk(Array(event.utf8)) else { return }
                }
                _ = writer.finish()
            }
        }
    }

    /// Runs after `setUpWithError`, once `cli` exists: logs "work" in against the fake.
    override func setUp() {
        super.setUp()
        let login = cli.run(
            ["add", "work", "--oauth-host", upstreamURL, "--base-url", upstreamURL + "/coding/v1", "--no-browser"])
        XCTAssertEqual(login.status, 0, login.output)
    }

    override func tearDown() {
        stopStreaming.add(1)
        upstream?.stop()
        super.tearDown()
    }

    // MARK: Helpers

    func alive(_ session: ExecSession) -> Bool {
        session.process.isRunning && kill(session.process.processIdentifier, 0) == 0
    }

    func descriptorCount(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// VmRSS of `pid` in KiB.
    func residentKiB(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return -1 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    func assertAServedRequest(_ session: ExecSession, file: StaticString = #filePath, line: UInt = #line) {
        let response = try? ProxyEndToEndTests.send(session)
        XCTAssertEqual(response?.status, 200, "a legitimate request is served", file: file, line: line)
    }

    /// Nothing reached the fake that did not carry the secret, and the secret itself never did.
    func assertOnlyTokensReachedKimi(_ session: ExecSession, file: StaticString = #filePath, line: UInt = #line) {
        let presented = kimi.presentedCredentials
        XCTAssertFalse(presented.contains(session.secret), "the session secret reached Kimi", file: file, line: line)
        XCTAssertTrue(presented.allSatisfy { $0.hasPrefix("at-") }, "\(presented)", file: file, line: line)
        for headers in kimi.headers(of: "/coding/v1/messages") + kimi.headers(of: "/coding/v1/usages") {
            XCTAssertEqual(headers["x-api-key"]?.hasPrefix("at-") ?? headers["authorization"]?.hasPrefix("Bearer at-"), true, file: file, line: line)
        }
    }

    // MARK: Tests

    /// 1,000 idle connections (at the 256 cap each new one cuts the oldest still waiting for its
    /// head): the wrapper lives, its descriptors stay bounded, a client with the secret is served
    /// while idle connections hold every slot, and the descriptors return to where they were.
    func testAThousandIdleConnections() throws {
        let session = try startSession()
        defer { end(session) }
        let pid = session.process.processIdentifier
        assertAServedRequest(session)
        let startDescriptors = descriptorCount(pid)
        XCTAssertGreaterThan(startDescriptors, 0)

        var sockets: [RawSocket] = []
        var peak = 0
        var refused = 0
        for _ in 0..<20 {
            for _ in 0..<50 {
                if let socket = RawSocket.connect(port: session.port) { sockets.append(socket) } else { refused += 1 }
            }
            usleep(20_000)
            peak = max(peak, descriptorCount(pid))
            XCTAssertTrue(alive(session), "the wrapper is alive")
        }
        usleep(300_000)
        peak = max(peak, descriptorCount(pid))
        XCTAssertTrue(alive(session))
        // 256 connections, at most 256 more winding down, and the wrapper's own descriptors.
        XCTAssertLessThanOrEqual(peak, 2 * 256 + 30, "descriptors stay bounded (start \(startDescriptors))")
        // The oldest were cut to make room: no more than the cap are still open.
        let closed = sockets.map { $0.isClosedByPeer(timeout: 0.01) }
        let open = closed.filter { !$0 }.count
        XCTAssertLessThanOrEqual(open, 256, "\(refused) refused")
        XCTAssertEqual(closed.prefix(500).filter { !$0 }.count, 0, "the oldest connections were the ones cut")
        // Idle connections hold every slot, and a client with the secret is still served.
        assertAServedRequest(session)

        for socket in sockets { socket.close() }
        sockets = []
        let deadline = Date().addingTimeInterval(10)
        while descriptorCount(pid) > startDescriptors + 5 && Date() < deadline { usleep(50_000) }
        XCTAssertLessThanOrEqual(descriptorCount(pid), startDescriptors + 5, "descriptors return near the start")
        XCTAssertTrue(alive(session))
        assertAServedRequest(session)
        XCTAssertEqual(kimi.headers(of: "/coding/v1/messages").count, 3, "only the three legitimate requests were forwarded")
        assertOnlyTokensReachedKimi(session)
    }

    /// A head of 10,000 header fields, or of 1 MiB, is refused (431 or a closed connection) and
    /// nothing is forwarded.
    func testHeaderFloodsAreRefusedAndNotForwarded() throws {
        let session = try startSession()
        defer { end(session) }
        let manyFields = (0..<10_000).map { "X-Flood-\($0): v\r\n" }.joined()
        let hugeField = "X-Huge: " + String(repeating: "a", count: 1 << 20) + "\r\n"
        for flood in [manyFields, hugeField] {
            guard let socket = RawSocket.connect(port: session.port) else { return XCTFail("cannot connect") }
            let request = "POST /coding/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: \(session.secret)\r\n" + flood
                + "Content-Length: 2\r\n\r\n{}"
            // Written from another thread: the wrapper stops reading once it has refused the head.
            let writer = Thread { socket.write(request) }
            writer.start()
            let head = socket.readHead(timeout: 10)
            if let head {
                XCTAssertTrue(head.hasPrefix("HTTP/1.1 431"), head)
            } else {
                XCTAssertTrue(socket.isClosedByPeer(timeout: 5), "431 or a closed connection")
            }
            socket.close()
            XCTAssertTrue(alive(session))
        }
        XCTAssertTrue(kimi.headers(of: "/coding/v1/messages").isEmpty, "nothing was forwarded")
        assertAServedRequest(session)
        assertOnlyTokensReachedKimi(session)
    }

    /// Two Content-Length fields that disagree are a 400, and nothing is forwarded.
    func testDuplicateContentLengthsAreRefused() throws {
        let session = try startSession()
        defer { end(session) }
        for lengths in [("4", "5"), ("2", "200")] {
            guard let socket = RawSocket.connect(port: session.port) else { return XCTFail("cannot connect") }
            XCTAssertTrue(
                socket.write(
                    "POST /coding/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: \(session.secret)\r\n"
                        + "Content-Length: \(lengths.0)\r\nContent-Length: \(lengths.1)\r\n\r\n{\"a\":1}"))
            let head = socket.readHead() ?? ""
            XCTAssertTrue(head.hasPrefix("HTTP/1.1 400"), "\(lengths): \(head)")
            socket.close()
        }
        XCTAssertTrue(kimi.headers(of: "/coding/v1/messages").isEmpty, "nothing was forwarded")
        assertAServedRequest(session)
        assertOnlyTokensReachedKimi(session)
    }

    /// A client asks for an endless stream and never reads: the wrapper's memory stays bounded
    /// while upstream keeps offering data, and another client is still served.
    func testAClientThatNeverReadsKeepsMemoryBounded() throws {
        let session = try startSession()
        defer { end(session) }
        let pid = session.process.processIdentifier
        let startRSS = residentKiB(pid)
        XCTAssertGreaterThan(startRSS, 0)
        guard let socket = RawSocket.connect(port: session.port) else { return XCTFail("cannot connect") }
        defer { socket.close() }
        var small: Int32 = 4096
        setsockopt(socket.fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        let body = #"{"stream":true,"endless":true}"#
        XCTAssertTrue(
            socket.write(
                "POST /coding/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: \(session.secret)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"))
        var peak = startRSS
        for _ in 0..<8 {
            usleep(500_000)
            peak = max(peak, residentKiB(pid))
            XCTAssertTrue(alive(session))
        }
        XCTAssertGreaterThan(streamed.value, 64 * 1024, "upstream streamed")
        XCTAssertLessThan(peak, 100 * 1024, "VmRSS stayed under 100 MB (start \(startRSS) KiB, upstream wrote \(streamed.value) bytes)")
        // Another client is served meanwhile.
        assertAServedRequest(session)
        XCTAssertEqual(kimi.headers(of: "/coding/v1/messages").count, 2)
        assertOnlyTokensReachedKimi(session)
    }
}
