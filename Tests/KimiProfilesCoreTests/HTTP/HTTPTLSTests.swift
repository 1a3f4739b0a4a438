import Foundation
import TestSupport
import XCTest

@testable import KimiProfilesCore

/// The client's certificate checks, against HTTPS servers with certificates made for the test.
final class HTTPTLSTests: XCTestCase {
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

    /// An HTTPS server presenting `certificate`, answering 200 "secure".
    private func server(_ certificate: String) throws -> HTTPServer {
        try HTTPServer(
            configuration: HTTPServerConfiguration(
                tls: .init(certificateChain: certificate, privateKey: certificates.serverKey))
        ) { _, writer in writer.respond(status: 200, body: Array("secure".utf8)) }
    }

    private func trustingClient() -> HTTPClient {
        makeClient { $0.trustRoots = certificates.caCertificate }
    }

    func testTrustedThroughTrustRoots() throws {
        let server = try server(certificates.goodCertificate)
        defer { server.stop() }
        for host in ["localhost", "127.0.0.1"] {
            let response = try trustingClient().send(request(loopbackURL(server.port, scheme: "https", host: host)))
            XCTAssertEqual(text(response.body), "secure", host)
        }
    }

    func testTrustedThroughSSLCertFileInTheConfiguredEnvironment() throws {
        let server = try server(certificates.goodCertificate)
        defer { server.stop() }
        let client = makeClient { $0.environment = ["SSL_CERT_FILE": certificates.caCertificate] }
        XCTAssertEqual(
            text(try client.send(request(loopbackURL(server.port, scheme: "https", host: "localhost"))).body), "secure")
    }

    func testTheSystemStoreAloneDoesNotTrustTheTestCA() throws {
        let server = try server(certificates.goodCertificate)
        defer { server.stop() }
        let error = expectHTTPError {
            try makeClient().send(request(loopbackURL(server.port, scheme: "https", host: "localhost")))
        }
        XCTAssertEqual(
            error, .certificateVerification(host: "localhost", reason: "unable to get local issuer certificate"))
    }

    func testWrongHostNameIsRefused() throws {
        let server = try server(certificates.wrongHostCertificate)
        defer { server.stop() }
        let error = expectHTTPError {
            try trustingClient().send(request(loopbackURL(server.port, scheme: "https", host: "localhost")))
        }
        XCTAssertEqual(error, .certificateVerification(host: "localhost", reason: "hostname mismatch"))
        XCTAssertEqual("\(error!)", "the certificate of localhost was refused: hostname mismatch")
        let byAddress = expectHTTPError {
            try trustingClient().send(request(loopbackURL(server.port, scheme: "https", host: "127.0.0.1")))
        }
        XCTAssertEqual(byAddress, .certificateVerification(host: "127.0.0.1", reason: "IP address mismatch"))
    }

    func testUntrustedCAIsRefused() throws {
        let server = try server(certificates.untrustedCertificate)
        defer { server.stop() }
        let error = expectHTTPError {
            try trustingClient().send(request(loopbackURL(server.port, scheme: "https", host: "localhost")))
        }
        XCTAssertEqual(
            error, .certificateVerification(host: "localhost", reason: "unable to get local issuer certificate"))
    }

    func testExpiredCertificateIsRefused() throws {
        let server = try server(certificates.expiredCertificate)
        defer { server.stop() }
        let error = expectHTTPError {
            try trustingClient().send(request(loopbackURL(server.port, scheme: "https", host: "localhost")))
        }
        XCTAssertEqual(error, .certificateVerification(host: "localhost", reason: "certificate has expired"))
    }

    func testSelfSignedCertificateIsRefused() throws {
        let server = try server(certificates.selfSignedCertificate)
        defer { server.stop() }
        let error = expectHTTPError {
            try trustingClient().send(request(loopbackURL(server.port, scheme: "https", host: "localhost")))
        }
        XCTAssertEqual(error, .certificateVerification(host: "localhost", reason: "self-signed certificate"))
    }

    func testPlainServerOnAnHTTPSURLFailsTheHandshake() throws {
        let plain = RawTCPServer { connection in
            _ = connection.readSome()
            connection.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        }
        defer { plain.stop() }
        let error = expectHTTPError {
            try trustingClient().send(request(loopbackURL(plain.port, scheme: "https", host: "localhost")))
        }
        guard case let .tlsHandshake(host, _) = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(host, "localhost")
    }

    func testSilentServerTimesOutTheHandshake() throws {
        let silent = RawTCPServer { connection in _ = connection.readAll(timeout: 5) }
        defer { silent.stop() }
        let client = makeClient {
            $0.connectTimeout = 0.3
            $0.trustRoots = certificates.caCertificate
        }
        let (error, seconds) = timed {
            expectHTTPError { try client.send(request(loopbackURL(silent.port, scheme: "https", host: "localhost"))) }
        }
        XCTAssertEqual(error, .timeout(.tlsHandshake, host: "localhost"))
        XCTAssertLessThan(seconds, 2)
    }

    func testMissingTrustRootsFileIsAConfigurationError() throws {
        let server = try server(certificates.goodCertificate)
        defer { server.stop() }
        for client in [
            makeClient { $0.trustRoots = "/nonexistent/ca.pem" },
            makeClient { $0.environment = ["SSL_CERT_FILE": "/nonexistent/ca.pem"] },
        ] {
            let error = expectHTTPError {
                try client.send(request(loopbackURL(server.port, scheme: "https", host: "localhost")))
            }
            guard case let .tlsConfiguration(reason) = error else { return XCTFail("\(String(describing: error))") }
            XCTAssertTrue(reason.contains("/nonexistent/ca.pem"), reason)
        }
    }

    func testAPeerThatDisappearsMidWriteRaisesNoSIGPIPE() throws {
        // The server reads the head, then closes without reading a large body: the client's TLS
        // writes then hit a closed socket. Without MSG_NOSIGNAL in the BIO, SIGPIPE would end the
        // test process here.
        let server = try HTTPServer(
            configuration: HTTPServerConfiguration(
                maxBodyBytes: 10,
                tls: .init(certificateChain: certificates.goodCertificate, privateKey: certificates.serverKey))
        ) { _, writer in writer.respond(status: 200) }
        defer { server.stop() }
        let big = String(repeating: "x", count: 8 * 1024 * 1024)
        do {
            let response = try trustingClient().send(
                request(loopbackURL(server.port, scheme: "https", host: "localhost"), method: "POST", body: big))
            XCTAssertEqual(response.status, 413)
        } catch let error as HTTPError {
            XCTAssertEqual(error, .connectionClosed(.sendingRequest, host: "localhost"))
        }
    }

    func testStreamingOverTLS() throws {
        let server = try HTTPServer(
            configuration: HTTPServerConfiguration(
                tls: .init(certificateChain: certificates.goodCertificate, privateKey: certificates.serverKey))
        ) { _, writer in
            writer.writeHead(status: 200)
            for index in 0..<3 { writer.writeChunk(Array("event \(index)\n".utf8)) }
            writer.finish()
        }
        defer { server.stop() }
        var received = ""
        try trustingClient().stream(
            request(loopbackURL(server.port, scheme: "https", host: "localhost")), head: { _ in },
            body: { received += String(decoding: $0, as: UTF8.self) })
        XCTAssertEqual(received, "event 0\nevent 1\nevent 2\n")
    }
}
