/// Decodes a `Transfer-Encoding: chunked` body from byte buffers, as they arrive.
///
/// Like `HTTPHeadParser` it needs no socket, so it can be tested split at every byte and fuzzed.
/// Chunk data is passed on as soon as it is decoded, never gathered, which is what lets
/// server-sent events stream through. Chunk extensions are accepted and ignored, as are
/// trailer fields (after the last chunk), within size limits.
struct ChunkedDecoder {
    private enum State {
        /// Reading a chunk-size line into `line`.
        case size
        /// Inside chunk data, with this many bytes to come.
        case data(remaining: Int)
        /// After chunk data: expecting CRLF (`sawCR` once the CR has come).
        case dataEnd(sawCR: Bool)
        /// After the last chunk: reading trailer lines into `line` until a blank one.
        case trailers
        case done
    }

    /// The longest chunk-size line (size and extensions) accepted.
    let maxLineLength: Int
    /// The most trailer bytes accepted.
    let maxTrailerBytes: Int

    private var state = State.size
    private var line: [UInt8] = []
    private var trailerBytes = 0

    init(maxLineLength: Int = 4096, maxTrailerBytes: Int = 16 * 1024) {
        self.maxLineLength = maxLineLength
        self.maxTrailerBytes = maxTrailerBytes
    }

    /// Whether the last chunk and the trailer section have been read.
    var isFinished: Bool {
        if case .done = state { return true }
        return false
    }

    /// Decodes from the start of `input`, handing each run of chunk data to `emit`. Returns how
    /// many bytes of `input` were used: all of them, unless the body ended inside `input` (the
    /// rest then belongs to whatever follows the body).
    mutating func decode(
        _ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int {
        var index = 0
        while index < input.count {
            switch state {
            case .done:
                return index
            case let .data(remaining):
                let count = min(remaining, input.count - index)
                try emit(UnsafeRawBufferPointer(rebasing: input[index..<index + count]))
                index += count
                state = remaining == count ? .dataEnd(sawCR: false) : .data(remaining: remaining - count)
            case let .dataEnd(sawCR):
                let byte = input[index]
                index += 1
                if byte == 0x0A {
                    state = .size
                } else if byte == 0x0D, !sawCR {
                    state = .dataEnd(sawCR: true)
                } else {
                    throw HTTPParseError.invalidChunkFraming
                }
            case .size, .trailers:
                let byte = input[index]
                index += 1
                if byte != 0x0A {
                    line.append(byte)
                    if case .size = state, line.count > maxLineLength { throw HTTPParseError.chunkLineTooLong }
                    if case .trailers = state {
                        trailerBytes += 1
                        if trailerBytes > maxTrailerBytes { throw HTTPParseError.trailersTooLarge }
                    }
                    continue
                }
                if line.last == 0x0D { line.removeLast() }
                if case .size = state {
                    let size = try Self.parseSize(line)
                    state = size == 0 ? .trailers : .data(remaining: size)
                } else if line.isEmpty {
                    state = .done
                } else if line.contains(where: { $0 < 0x20 && $0 != 0x09 }) || line.first == 0x20 || line.first == 0x09
                {
                    throw HTTPParseError.invalidChunkFraming
                }
                line.removeAll(keepingCapacity: true)
            }
        }
        return index
    }

    /// `1*HEXDIG [ BWS ";" extensions ]`. At most 15 significant digits, so that the size fits
    /// in an `Int` with room to spare.
    private static func parseSize(_ line: [UInt8]) throws(HTTPParseError) -> Int {
        var size = 0
        var digits = 0
        var index = 0
        while index < line.count, let value = hexValue(line[index]) {
            if size > 0 || value > 0 { digits += 1 }
            if digits > 15 { throw .invalidChunkSize }
            size = size * 16 + value
            index += 1
        }
        guard index > 0 else { throw .invalidChunkSize }
        while index < line.count, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
        if index < line.count {
            guard line[index] == UInt8(ascii: ";") else { throw .invalidChunkSize }
            let extensions = line[(index + 1)...]
            guard extensions.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw .invalidChunkSize
            }
        }
        return size
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte - 0x30)
        case 0x41...0x46: return Int(byte - 0x41 + 10)
        case 0x61...0x66: return Int(byte - 0x61 + 10)
        default: return nil
        }
    }
}
