import Foundation
import KimiProfilesCore

/// `FakeKimi` on a loopback port, served by the project's own `HTTPServer`: the OAuth host and
/// the API base (`<url>/coding/v1`) in one.
public final class FakeKimiServer: @unchecked Sendable {
    /// One request as the fake sees it.
    public struct Exchange: Sendable {
        public let method: String
        public let target: String
        /// Lower-cased names.
        public let headers: [String: String]
        public let body: [UInt8]
    }

    /// Stands between a request and the fake: given the exchange and a way to have the fake
    /// answer it, returns the reply to send, or nil to send none (the connection just closes).
    public typealias Relay = @Sendable (Exchange, () -> FakeKimi.Reply) -> FakeKimi.Reply?

    public let kimi: FakeKimi
    private let server: HTTPServer

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(server.port)" }

    /// `dateSkew` seconds are added to the `Date` header of every reply (doctor's clock check).
    public init(_ kimi: FakeKimi, dateSkew: Int64 = 0, relay: Relay? = nil) throws {
        self.kimi = kimi
        server = try HTTPServer(configuration: HTTPServerConfiguration(headerTimeout: 5, readTimeout: 5)) { request, writer in
            var headers: [String: String] = [:]
            for field in request.headers.fields {
                headers[field.name.lowercased()] = field.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
            }
            let exchange = Exchange(
                method: request.method, target: request.target, headers: headers, body: request.body.withUnsafeBytes { Array($0) })
            let answer = { kimi.handle(method: exchange.method, path: exchange.target, headers: headers, body: exchange.body) }
            guard let reply = relay.map({ $0(exchange, answer) }) ?? answer() else { return }
            let date = ("Date", HTTPDate.format(Int64(Date().timeIntervalSince1970) + dateSkew))
            switch reply {
            case let .json(status, text):
                _ = writer.respond(
                    status: status, headers: HTTPHeaders([("Content-Type", "application/json"), date]), body: Array(text.utf8))
            case let .raw(status, contentType, text):
                _ = writer.respond(status: status, headers: HTTPHeaders([("Content-Type", contentType), date]), body: Array(text.utf8))
            case let .events(events, delay):
                guard writer.writeHead(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream"), date])) else { return }
                for (index, event) in events.enumerated() {
                    if index > 0 { usleep(UInt32(delay * 1_000_000)) }
                    kimi.recordEventSent()
                    guard writer.writeChunk(Array(event.utf8)) else { return }
                }
                _ = writer.finish()
            }
        }
    }

    public func stop() { server.stop() }
}
