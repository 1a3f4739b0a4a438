/// What is wrong with bytes received as HTTP/1.1: a head, a body's framing or a chunk.
///
/// The client reports these as a malformed response; the server answers 400 (or 413, 431, 501,
/// 505 where one of those says it better) and closes the connection.
enum HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case headTooLarge(limit: Int)
    case tooManyHeaders(limit: Int)
    case invalidStartLine
    case unsupportedVersion
    case invalidHeaderName
    case invalidHeaderValue(name: String)
    case obsoleteLineFolding
    case invalidContentLength
    case conflictingContentLength
    case contentLengthWithTransferEncoding
    case unsupportedTransferEncoding
    case invalidChunkSize
    case invalidChunkFraming
    case chunkLineTooLong
    case trailersTooLarge
    case bodyTooLarge(limit: Int)

    var description: String {
        switch self {
        case let .headTooLarge(limit): return "head larger than \(limit) bytes"
        case let .tooManyHeaders(limit): return "more than \(limit) header fields"
        case .invalidStartLine: return "invalid start line"
        case .unsupportedVersion: return "unsupported HTTP version"
        case .invalidHeaderName: return "invalid header name"
        case let .invalidHeaderValue(name): return "invalid value in header '\(name)'"
        case .obsoleteLineFolding: return "folded header line"
        case .invalidContentLength: return "invalid Content-Length"
        case .conflictingContentLength: return "conflicting Content-Length values"
        case .contentLengthWithTransferEncoding: return "both Content-Length and Transfer-Encoding"
        case .unsupportedTransferEncoding: return "unsupported Transfer-Encoding"
        case .invalidChunkSize: return "invalid chunk size"
        case .invalidChunkFraming: return "chunk data not followed by CRLF"
        case .chunkLineTooLong: return "chunk size line too long"
        case .trailersTooLarge: return "trailer section too large"
        case let .bodyTooLarge(limit): return "body larger than \(limit) bytes"
        }
    }
}
