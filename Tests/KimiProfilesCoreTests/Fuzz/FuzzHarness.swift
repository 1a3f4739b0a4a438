// The parser entry points the libFuzzer targets (Tests/Fuzz/*.swift, built by scripts/fuzz)
// and FuzzCorpusReplayTests both call, so the corpus CI replays goes through exactly the code
// that was fuzzed.
//
// scripts/fuzz compiles this file into the module together with the Core sources
// (-D KIMI_FUZZ_STANDALONE), so internal types are reachable without @testable and nothing in
// Sources is made public for fuzzing. In the test target it reaches them with @testable.
//
// Beyond "does not trap", the HTTP head parser and the chunked decoder are checked for one
// property each parser's documentation promises: feeding the bytes in pieces gives the same
// answer as feeding them at once. A disagreement is a `preconditionFailure`, i.e. a crash the
// fuzzer reports.

#if !KIMI_FUZZ_STANDALONE
@testable import KimiProfilesCore
#endif

public enum FuzzHarness {
    /// The targets, as named on the command line, in Tests/Fuzz/<name>.swift and in the
    /// corpus folders.
    public static let targets = [
        "http-head", "chunked", "secret-json", "usage", "project-file", "timestamp", "import",
    ]

    /// Runs target `name` on `bytes`. Unknown names trap.
    public static func run(_ name: String, _ bytes: UnsafeRawBufferPointer) {
        switch name {
        case "http-head": httpHead(bytes)
        case "chunked": chunked(bytes)
        case "secret-json": secretJSON(bytes)
        case "usage": usage(bytes)
        case "project-file": projectFile(bytes)
        case "timestamp": timestamp(bytes)
        case "import": importFile(bytes)
        default: preconditionFailure("unknown fuzz target \(name)")
        }
    }

    // MARK: HTTP heads

    /// Both kinds of head, at once and in pieces, then the body framing of what parsed.
    public static func httpHead(_ bytes: UnsafeRawBufferPointer) {
        // The first byte picks the piece size for the incremental pass.
        let stride = Int(bytes.first ?? 0) % 16 + 1
        for kind in [HTTPHeadParser.Kind.request, .response] {
            var whole = HTTPHeadParser(kind: kind, maxBytes: 8 * 1024, maxFields: 32)
            let once: Result<Int?, HTTPParseError>
            do throws(HTTPParseError) {
                if let parsed = try whole.parse(bytes) {
                    once = .success(parsed.length)
                    framing(parsed.head)
                } else {
                    once = .success(nil)
                }
            } catch {
                once = .failure(error)
            }

            var pieces = HTTPHeadParser(kind: kind, maxBytes: 8 * 1024, maxFields: 32)
            var inPieces: Result<Int?, HTTPParseError> = .success(nil)
            var end = 0
            feeding: while end < bytes.count {
                end = min(bytes.count, end + stride)
                do throws(HTTPParseError) {
                    if let parsed = try pieces.parse(UnsafeRawBufferPointer(rebasing: bytes[0..<end])) {
                        inPieces = .success(parsed.length)
                        break feeding
                    }
                } catch {
                    inPieces = .failure(error)
                    break feeding
                }
            }
            switch (once, inPieces) {
            case let (.success(a), .success(b)):
                precondition(a == b, "HTTPHeadParser: head length \(String(describing: a)) at once, \(String(describing: b)) in pieces")
            case let (.failure(a), .failure(b)):
                precondition(a == b, "HTTPHeadParser: \(a) at once, \(b) in pieces")
            default:
                preconditionFailure("HTTPHeadParser: \(once) at once, \(inPieces) in pieces")
            }
        }
    }

    private static func framing(_ head: HTTPHeadParser.Head) {
        switch head {
        case let .request(request):
            _ = try? HTTPBodyFraming.request(request)
        case let .response(response):
            _ = try? HTTPBodyFraming.response(response, requestMethod: "GET")
            _ = try? HTTPBodyFraming.response(response, requestMethod: "HEAD")
        }
    }

    // MARK: Chunked bodies

    /// The body decoded at once and in pieces: the same data, the same end, the same error.
    public static func chunked(_ bytes: UnsafeRawBufferPointer) {
        let stride = Int(bytes.first ?? 0) % 16 + 1
        let body = UnsafeRawBufferPointer(rebasing: bytes.dropFirst(bytes.isEmpty ? 0 : 1))
        let once = decodeChunked(body, stride: body.count)
        let inPieces = decodeChunked(body, stride: stride)
        precondition(once.data == inPieces.data, "ChunkedDecoder: different data at once and in pieces")
        // Where an error stops the body is known only to the byte in the throwing piece.
        precondition(once.error != nil || once.used == inPieces.used, "ChunkedDecoder: body ends at \(once.used) at once, \(inPieces.used) in pieces")
        precondition(once.finished == inPieces.finished, "ChunkedDecoder: finished differs at once and in pieces")
        precondition(once.error == inPieces.error, "ChunkedDecoder: \(String(describing: once.error)) at once, \(String(describing: inPieces.error)) in pieces")
    }

    private static func decodeChunked(
        _ body: UnsafeRawBufferPointer, stride: Int
    ) -> (data: [UInt8], used: Int, finished: Bool, error: HTTPParseError?) {
        var decoder = ChunkedDecoder(maxLineLength: 64, maxTrailerBytes: 256)
        var data: [UInt8] = []
        var offset = 0
        var error: HTTPParseError?
        feeding: while offset < body.count, !decoder.isFinished {
            let given = min(body.count - offset, max(stride, 1))
            do {
                let used = try decoder.decode(UnsafeRawBufferPointer(rebasing: body[offset..<(offset + given)])) {
                    data.append(contentsOf: $0)
                }
                precondition(used >= 0 && used <= given, "ChunkedDecoder: used \(used) of \(given) bytes")
                offset += used
                // Fewer bytes used than given: the body ended inside the piece.
                if used < given {
                    precondition(decoder.isFinished, "ChunkedDecoder: stopped early without finishing")
                    break feeding
                }
            } catch let failure as HTTPParseError {
                error = failure
                break feeding
            } catch {
                preconditionFailure("ChunkedDecoder threw \(error)")
            }
        }
        return (data, offset, decoder.isFinished, error)
    }

    // MARK: JSON

    /// `SecretJSON.parse` and the accessors the token code uses on what it returns.
    public static func secretJSON(_ bytes: UnsafeRawBufferPointer) {
        guard let json = SecretJSON.parse(bytes) else { return }
        for key in ["access_token", "refresh_token", "expires_in", "expires_at", "error", "encrypted", ""] {
            _ = json.secret(key)
            _ = json.text(key)
            _ = json.number(key)
        }
        if case let .object(members) = json {
            for (key, _) in members.prefix(8) { _ = json.number(key) }
        }
    }

    /// `UsageParser.parse` on the bytes as text, at a fixed and at an extreme `now`.
    public static func usage(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        for now in [1_770_000_000.0, 0, -1e300, 1e300] {
            _ = try? UsageParser.parse(text, now: now)
        }
    }

    // MARK: Small text formats

    /// `.kimi-profile`: what `ProjectFile.read` does after reading the bytes.
    public static func projectFile(_ bytes: UnsafeRawBufferPointer) {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        guard let name = ProjectFile.name(in: text) else { return }
        _ = ProfileName.problem(with: name)
    }

    public static func timestamp(_ bytes: UnsafeRawBufferPointer) {
        _ = Timestamp.parse(String(decoding: bytes, as: UTF8.self))
    }

    // MARK: Import

    /// Every import source's parser, without a key and with a fixed (wrong) one, plus the
    /// base64 decoder the sealed form uses.
    public static func importFile(_ bytes: UnsafeRawBufferPointer) {
        let keyBytes = (0..<32).map { UInt8($0) }
        let key = keyBytes.withUnsafeBytes { SecureBytes(copying: $0) }
        let shortKey = keyBytes.withUnsafeBytes { SecureBytes(copying: UnsafeRawBufferPointer(rebasing: $0[0..<7])) }
        for source in ImportSource.allCases {
            for key in [nil, key, shortKey] {
                _ = try? ImportParser.parse(source, bytes, key: key, file: "/fuzz/file", keyFile: nil, now: 1_770_000_000)
            }
        }
        _ = ImportParser.isEncryptedOpencodeKimiAuth(bytes)
        _ = Base64.decode(bytes)
    }
}
