/// The receiving side of a connection: a buffer over a `ByteStream`, from which heads and
/// bodies are read under their framing, size limit and deadlines.
///
/// Bytes that arrive beyond what was asked for (the start of a body behind its head) stay in
/// the buffer for the next read. Shared by the client (responses) and the server (requests).
final class HTTPInput {
    let stream: ByteStream
    private let buffer = ByteBuffer(capacity: 16 * 1024)

    init(stream: ByteStream) {
        self.stream = stream
    }

    /// Whether bytes have been received and not yet read.
    var hasBufferedBytes: Bool { !buffer.isEmpty }

    /// Reads one head. Throws `HTTPParseError` for a bad or oversized head, and
    /// `TransportError` (`.closed` when the stream ends first) from the stream.
    func readHead(_ parser: inout HTTPHeadParser, deadline: () -> Deadline) throws -> HTTPHeadParser.Head {
        while true {
            if let (head, length) = try parser.parse(buffer.readable) {
                buffer.consume(length)
                return head
            }
            guard try fill(deadline: deadline()) else { throw TransportError.closed }
        }
    }

    /// Reads a body, handing each run of bytes to `emit` as it arrives. More than `limit` bytes
    /// is `HTTPParseError.bodyTooLarge` (for a Content-Length, before any is read); a stream that
    /// ends before the framing says the body is complete is `TransportError.closed`.
    func readBody(
        _ framing: HTTPBodyFraming, limit: Int?, deadline: () -> Deadline,
        emit: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var total = 0
        func deliver(_ bytes: UnsafeRawBufferPointer) throws {
            total += bytes.count
            if let limit, total > limit { throw HTTPParseError.bodyTooLarge(limit: limit) }
            try emit(bytes)
        }
        switch framing {
        case .none:
            return
        case let .contentLength(length):
            if let limit, length > limit { throw HTTPParseError.bodyTooLarge(limit: limit) }
            var remaining = length
            while remaining > 0 {
                if buffer.isEmpty, try !fill(deadline: deadline()) { throw TransportError.closed }
                let count = min(remaining, buffer.readableCount)
                try deliver(UnsafeRawBufferPointer(rebasing: buffer.readable[0..<count]))
                buffer.consume(count)
                remaining -= count
            }
        case .chunked:
            var decoder = ChunkedDecoder()
            while true {
                if !buffer.isEmpty {
                    let used = try decoder.decode(buffer.readable, emit: deliver)
                    buffer.consume(used)
                    if decoder.isFinished { return }
                }
                guard try fill(deadline: deadline()) else { throw TransportError.closed }
            }
        case .untilClose:
            while true {
                if !buffer.isEmpty {
                    try deliver(buffer.readable)
                    buffer.clear()
                }
                guard try fill(deadline: deadline()) else { return }
            }
        }
    }

    /// Reads whatever the stream has next into the buffer; false at the end of the stream.
    func fill(deadline: Deadline) throws(TransportError) -> Bool {
        let space = buffer.writable(atLeast: 4096)
        let count = try stream.read(into: space, deadline: deadline)
        buffer.commit(count)
        return count > 0
    }
}
