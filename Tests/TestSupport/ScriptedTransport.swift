import Foundation
import KimiProfilesCore

/// An `HTTPTransport` that answers from a script and records what was sent, for protocol
/// logic tested without a network (SwiftPM's HTTPClient tests take the same shape).
public final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    /// One scripted answer: a reply, or a failure to throw.
    public enum Step: Sendable {
        case reply(Int, String)
        case fail(any Error & Sendable)
    }

    /// A request as it was sent, with its body as text (tests only).
    public struct Sent {
        public let method: String
        public let url: String
        public let headers: HTTPHeaders
        public let body: String
    }

    private let lock = NSLock()
    private var steps: [Step]
    private var log: [Sent] = []

    public init(_ steps: [Step]) { self.steps = steps }

    public var sent: [Sent] { lock.withLock { log } }

    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        let step: Step = try lock.withLock {
            let body = request.body.map { $0.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } } ?? ""
            log.append(Sent(method: request.method, url: request.url.description, headers: request.headers, body: body))
            guard !steps.isEmpty else { throw ScriptError.exhausted(request.url.description) }
            return steps.removeFirst()
        }
        switch step {
        case let .reply(status, body):
            let bytes = Array(body.utf8)
            return HTTPResponse(
                head: HTTPResponseHead(status: status, headers: HTTPHeaders([("Content-Type", "application/json")])),
                body: bytes.withUnsafeBytes { SecureBytes(copying: $0) })
        case let .fail(error):
            throw error
        }
    }

    public enum ScriptError: Error, CustomStringConvertible {
        case exhausted(String)
        case connectionReset
        public var description: String {
            switch self {
            case let .exhausted(url): return "no scripted reply left for \(url)"
            case .connectionReset: return "connection reset by peer"
            }
        }
    }
}

/// The form fields of a request body.
public func formFields(_ body: String) -> [String: String] {
    var fields: [String: String] = [:]
    for pair in body.split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
        let key = parts[0].removingPercentEncoding ?? parts[0]
        fields[key] = parts.count > 1 ? (parts[1].removingPercentEncoding ?? parts[1]) : ""
    }
    return fields
}
