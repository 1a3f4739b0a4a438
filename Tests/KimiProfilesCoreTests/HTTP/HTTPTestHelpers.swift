import Foundation
import TestSupport
import XCTest

@testable import KimiProfilesCore

/// A client with short timeouts and an empty environment (no proxy from the developer's shell).
func makeClient(_ configure: (inout HTTPClientConfiguration) -> Void = { _ in }) -> HTTPClient {
    var configuration = HTTPClientConfiguration(connectTimeout: 5, readTimeout: 5, totalTimeout: 20)
    configure(&configuration)
    return HTTPClient(configuration: configuration)
}

/// `scheme://host:port/path` as an `HTTPURL`.
func loopbackURL(_ port: Int, _ path: String = "/", scheme: String = "http", host: String = "127.0.0.1") -> HTTPURL {
    HTTPURL("\(scheme)://\(host):\(port)\(path)")!
}

/// A GET (or other) request with no body.
func request(
    _ url: HTTPURL, method: String = "GET", headers: [(String, String)] = [], body: String? = nil
) -> HTTPRequest {
    HTTPRequest(
        method: method, url: url, headers: HTTPHeaders(headers),
        body: body.map { text in Array(text.utf8).withUnsafeBytes { SecureBytes(copying: $0) } })
}

/// Calls `expression`, expecting an `HTTPError`, and returns it.
func expectHTTPError<T>(
    file: StaticString = #filePath, line: UInt = #line, _ expression: () throws -> T
) -> HTTPError? {
    do {
        _ = try expression()
        XCTFail("expected an HTTPError, got a result", file: file, line: line)
    } catch let error as HTTPError {
        return error
    } catch {
        XCTFail("expected an HTTPError, got \(error)", file: file, line: line)
    }
    return nil
}

/// The bytes of `text` in a buffer pointer, for calls that take one.
func withBytes<R>(_ text: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try Array(text.utf8).withUnsafeBytes(body)
}

/// Records values from handler threads for a test to read.
final class Recorder<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Value] = []

    func append(_ value: Value) { lock.withLock { stored.append(value) } }
    var values: [Value] { lock.withLock { stored } }
}

/// Seconds taken by `body`.
func timed<R>(_ body: () -> R) -> (R, Double) {
    let start = Date()
    let result = body()
    return (result, Date().timeIntervalSince(start))
}
