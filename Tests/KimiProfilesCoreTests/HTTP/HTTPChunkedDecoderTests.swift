import XCTest

@testable import KimiProfilesCore

final class HTTPChunkedDecoderTests: XCTestCase {
    /// Decodes `text` fed in pieces of `piece` bytes; returns the data, the bytes used, and
    /// whether the body finished.
    private func decode(_ text: String, piece: Int = .max) throws -> (data: String, used: Int, finished: Bool) {
        let bytes = Array(text.utf8)
        var decoder = ChunkedDecoder(maxLineLength: 64, maxTrailerBytes: 64)
        var data: [UInt8] = []
        var used = 0
        var offset = 0
        while offset < bytes.count, !decoder.isFinished {
            let end = min(offset + piece, bytes.count)
            let consumed = try bytes[offset..<end].withUnsafeBytes { input in
                try decoder.decode(input) { data += $0 }
            }
            used += consumed
            offset = end
        }
        return (String(decoding: data, as: UTF8.self), used, decoder.isFinished)
    }

    private func failure(_ text: String) -> HTTPParseError? {
        do {
            _ = try decode(text)
            return nil
        } catch {
            return error as? HTTPParseError
        }
    }

    func testDecodesAtEverySplit() throws {
        let body = "4\r\nWiki\r\n5;a=b\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: yes\r\n\r\nNEXT"
        for piece in 1...body.utf8.count {
            let result = try decode(body, piece: piece)
            XCTAssertEqual(result.data, "Wikipedia in\r\n\r\nchunks.", "piece \(piece)")
            XCTAssertTrue(result.finished)
            XCTAssertEqual(result.used, body.utf8.count - 4, "piece \(piece)")
        }
    }

    func testUppercaseLowercaseAndLeadingZeroSizes() throws {
        XCTAssertEqual(
            try decode("a\r\n0123456789\r\nA\r\n0123456789\r\n00000001\r\nx\r\n0\r\n\r\n").data,
            String(repeating: "0123456789", count: 2) + "x")
    }

    func testBareLineFeedsAndSpaceBeforeExtensions() throws {
        XCTAssertEqual(try decode("3 ;x\nabc\n0\n\n").data, "abc")
    }

    func testUnfinishedBodyIsNotFinished() throws {
        XCTAssertFalse(try decode("3\r\nabc\r\n").finished)
        XCTAssertFalse(try decode("0\r\n").finished)
    }

    func testInvalidSizes() {
        for size in ["", "x", "-1", "+1", "0x10", "1 2", "1;\u{01}", "10000000000000000"] {
            XCTAssertEqual(failure("\(size)\r\nabc\r\n0\r\n\r\n"), .invalidChunkSize, size.debugDescription)
        }
    }

    func testDataMustEndWithCRLF() {
        XCTAssertEqual(failure("3\r\nabcd\r\n0\r\n\r\n"), .invalidChunkFraming)
        XCTAssertEqual(failure("3\r\nabc\r\r\n0\r\n\r\n"), .invalidChunkFraming)
    }

    func testLineAndTrailerLimits() {
        XCTAssertEqual(failure("1;" + String(repeating: "e", count: 100) + "\r\nx\r\n0\r\n\r\n"), .chunkLineTooLong)
        XCTAssertEqual(failure("0\r\nX: " + String(repeating: "t", count: 100) + "\r\n\r\n"), .trailersTooLarge)
        XCTAssertEqual(failure("0\r\n folded\r\n\r\n"), .invalidChunkFraming)
    }
}
