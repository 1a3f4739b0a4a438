import Foundation
import TestSupport
import XCTest

@testable import KimiProfilesCore

/// HTTPS through an `HTTPS_PROXY` CONNECT tunnel, and `NO_PROXY`.
///
/// The TLS server's certificate also names `api.kimi.test`; the proxy relays any CONNECT to the
/// server, and for direct connections the client maps that name to 127.0.0.1, so no name is
/// ever looked up and nothing leaves the machine.
final class HTTPProxyTunnelTests: XCTestCase {
    nonisolated(unsafe) private static var madeCertificates: TestCertificates?

    private var certificates: TestCertificates {
        if let made = Self.madeCertificates { return made }
        let made = TestCertificates()
        Self.madeCertificates = made
        return made
    }

    override class func tearDown() {
        madeCertificates = nil
        super.tearDown()
    }

    private func tlsServer() throws -> HTTPServer {
        try HTTPServer(
            configuration: HTTPServerConfiguration(
                tls: .init(certificateChain: certificates.goodCertificate, privateKey: certificates.serverKey))
        ) { request, writer in
            writer.respond(
                status: 200, body: Array("via \(request.headers.value("host") ?? "?") \(request.target)".utf8))
        }
    }

    private func client(_ environment: [String: String]) -> HTTPClient {
        makeClient {
            $0.environment = environment
            $0.trustRoots = certificates.caCertificate
            $0.addressOverrides = ["api.kimi.test": "127.0.0.1"]
        }
    }

    func testHTTPSGoesThroughTheTunnel() throws {
        let server = try tlsServer()
        defer { server.stop() }
        let proxy = ConnectProxy(targetPort: server.port)
        defer { proxy.stop() }
        let response = try client(["HTTPS_PROXY": "http://127.0.0.1:\(proxy.port)"]).send(
            request(HTTPURL("https://api.kimi.test:\(server.port)/coding/v1/usages")!))
        XCTAssertEqual(text(response.body), "via api.kimi.test:\(server.port) /coding/v1/usages")
        XCTAssertEqual(proxy.requestLines, ["CONNECT api.kimi.test:\(server.port) HTTP/1.1"])
    }

    func testDefaultPortIsNamedInTheConnectLine() throws {
        let server = try tlsServer()
        defer { server.stop() }
        let proxy = ConnectProxy(targetPort: server.port)
        defer { proxy.stop() }
        // The proxy relays to the server whatever port was asked for.
        let response = try client(["https_proxy": "127.0.0.1:\(proxy.port)"]).send(
            request(HTTPURL("https://api.kimi.test/x")!))
        XCTAssertEqual(text(response.body), "via api.kimi.test /x")
        XCTAssertEqual(proxy.requestLines, ["CONNECT api.kimi.test:443 HTTP/1.1"])
    }

    func testNoProxyBypassesTheProxy() throws {
        let server = try tlsServer()
        defer { server.stop() }
        let proxy = ConnectProxy(targetPort: server.port)
        defer { proxy.stop() }
        for exemption in ["kimi.test", ".kimi.test", "api.kimi.test", "*", "other.example, kimi.test"] {
            let response = try client(["HTTPS_PROXY": "http://127.0.0.1:\(proxy.port)", "NO_PROXY": exemption]).send(
                request(HTTPURL("https://api.kimi.test:\(server.port)/direct")!))
            XCTAssertEqual(text(response.body), "via api.kimi.test:\(server.port) /direct", exemption)
        }
        XCTAssertEqual(proxy.requestLines, [])
    }

    func testLoopbackHostsNeverUseTheProxy() throws {
        let server = try tlsServer()
        defer { server.stop() }
        let proxy = ConnectProxy(targetPort: server.port)
        defer { proxy.stop() }
        let response = try client(["HTTPS_PROXY": "http://127.0.0.1:\(proxy.port)"]).send(
            request(loopbackURL(server.port, scheme: "https", host: "localhost")))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(proxy.requestLines, [])
    }

    func testRefusedTunnelReportsTheProxysStatus() throws {
        let proxy = ConnectProxy(targetPort: 1, status: 403)
        defer { proxy.stop() }
        let error = expectHTTPError {
            try client(["HTTPS_PROXY": "http://127.0.0.1:\(proxy.port)"]).send(
                request(HTTPURL("https://api.kimi.test/")!))
        }
        XCTAssertEqual(error, .proxyRefused(proxy: "127.0.0.1:\(proxy.port)", host: "api.kimi.test", status: 403))
        XCTAssertEqual("\(error!)", "proxy 127.0.0.1:\(proxy.port) refused the tunnel to api.kimi.test with status 403")
    }

    func testProxyCredentialsAreSentToTheProxy() throws {
        let heads = Recorder<String>()
        let proxy = RawTCPServer { connection in
            heads.append(connection.readHead() ?? "")
            connection.write("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
        }
        defer { proxy.stop() }
        let error = expectHTTPError {
            try client(["HTTPS_PROXY": "http://user:secret@127.0.0.1:\(proxy.port)"]).send(
                request(HTTPURL("https://api.kimi.test/")!))
        }
        XCTAssertEqual(error, .proxyRefused(proxy: "127.0.0.1:\(proxy.port)", host: "api.kimi.test", status: 407))
        XCTAssertFalse("\(error!)".contains("secret"))
        let head = try XCTUnwrap(heads.values.first)
        XCTAssertTrue(head.hasPrefix("CONNECT api.kimi.test:443 HTTP/1.1\r\nHost: api.kimi.test:443\r\n"), head)
        XCTAssertTrue(head.contains("\r\nProxy-Authorization: Basic dXNlcjpzZWNyZXQ=\r\n"), head)
        XCTAssertFalse(head.contains("Connection: close"), head)
    }

    func testUnreachableProxyNamesTheProxy() throws {
        let unused = RawTCPServer { _ in }
        let port = unused.port
        unused.stop()
        let error = expectHTTPError {
            try client(["HTTPS_PROXY": "http://127.0.0.1:\(port)"]).send(request(HTTPURL("https://api.kimi.test/")!))
        }
        XCTAssertEqual(error, .connectionRefused(host: "127.0.0.1", port: port))
    }
}
