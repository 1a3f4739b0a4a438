import Foundation
import TestSupport
import XCTest

@testable import KimiProfilesCore

final class DatabaseTests: XCTestCase {
    private func makeDatabase(_ folder: TemporaryDirectory) throws -> Database {
        let database = try Database(path: folder.path + "/test.db", create: true)
        try database.execute(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, data BLOB NOT NULL, n INTEGER)")
        return database
    }

    func testOpeningAMissingFileWithoutCreateFails() {
        let folder = TemporaryDirectory()
        XCTAssertThrowsError(try Database(path: folder.path + "/none.db", create: false)) { error in
            XCTAssertEqual((error as? SQLiteError)?.code, 14)  // SQLITE_CANTOPEN
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path + "/none.db"))
    }

    func testBindAndReadBack() throws {
        let folder = TemporaryDirectory()
        let database = try makeDatabase(folder)
        try database.prepare("INSERT INTO t (name, data, n) VALUES (?, ?, ?)")
            .bind(.text("naïve 'quoted' \"name\""), .blob([0, 1, 255]), .integer(-42)).run()
        let statement = try database.prepare("SELECT name, data, n FROM t")
        XCTAssertTrue(try statement.step())
        XCTAssertEqual(statement.text(at: 0), "naïve 'quoted' \"name\"")
        XCTAssertEqual(statement.blob(at: 1), [0, 1, 255])
        XCTAssertEqual(statement.int64(at: 2), -42)
        XCTAssertEqual(statement.optionalInt64(at: 2), -42)
        XCTAssertFalse(try statement.step())
    }

    func testEmptyBlobIsNotNull() throws {
        let folder = TemporaryDirectory()
        let database = try makeDatabase(folder)
        try database.prepare("INSERT INTO t (name, data) VALUES (?, ?)").bind(.text("e"), .blob([])).run()
        let statement = try database.prepare("SELECT data IS NULL, length(data), data, n FROM t")
        XCTAssertTrue(try statement.step())
        XCTAssertEqual(statement.int64(at: 0), 0)
        XCTAssertEqual(statement.int64(at: 1), 0)
        XCTAssertEqual(statement.blob(at: 2), [])
        XCTAssertTrue(statement.isNull(at: 3))
        XCTAssertNil(statement.optionalInt64(at: 3))
        XCTAssertNil(statement.optionalText(at: 3))
    }

    func testRebindingResetsTheStatement() throws {
        let folder = TemporaryDirectory()
        let database = try makeDatabase(folder)
        let insert = try database.prepare("INSERT INTO t (name, data) VALUES (?, ?)")
        for name in ["a", "b", "c"] { try insert.bind(.text(name), .blob([1])).run() }
        let count = try database.prepare("SELECT count(*) FROM t")
        XCTAssertTrue(try count.step())
        XCTAssertEqual(count.int64(at: 0), 3)
    }

    func testUniqueViolationIsRecognised() throws {
        let folder = TemporaryDirectory()
        let database = try makeDatabase(folder)
        let insert = try database.prepare("INSERT INTO t (name, data) VALUES (?, ?)")
        try insert.bind(.text("same"), .blob([1])).run()
        XCTAssertThrowsError(try insert.bind(.text("same"), .blob([2])).run()) { error in
            let error = error as? SQLiteError
            XCTAssertEqual(error?.code, 19)  // SQLITE_CONSTRAINT
            XCTAssertEqual(error?.isUniqueViolation, true)
            XCTAssertEqual(error?.isCorrupt, false)
        }
    }

    func testErrorsDoNotCarryBoundValues() throws {
        let folder = TemporaryDirectory()
        let database = try makeDatabase(folder)
        let insert = try database.prepare("INSERT INTO t (name, data) VALUES (?, ?)")
        try insert.bind(.text("sk-kimi-BOUND"), .blob([1])).run()
        XCTAssertThrowsError(try insert.bind(.text("sk-kimi-BOUND"), .blob([2])).run()) { error in
            XCTAssertFalse("\(error)".contains("sk-kimi-BOUND"))
        }
    }

    func testTransactionCommitsOrRollsBack() throws {
        struct Abort: Error {}
        let folder = TemporaryDirectory()
        let database = try makeDatabase(folder)
        try database.transaction {
            try database.prepare("INSERT INTO t (name, data) VALUES ('kept', x'01')").run()
        }
        XCTAssertThrowsError(
            try database.transaction {
                try database.prepare("INSERT INTO t (name, data) VALUES ('dropped', x'01')").run()
                throw Abort()
            }
        ) { XCTAssertTrue($0 is Abort) }
        let names = try database.prepare("SELECT name FROM t ORDER BY name")
        var result: [String] = []
        while try names.step() { result.append(names.text(at: 0)) }
        XCTAssertEqual(result, ["kept"])
    }

    func testUserVersion() throws {
        let folder = TemporaryDirectory()
        let database = try makeDatabase(folder)
        XCTAssertEqual(try database.userVersion, 0)
        try database.execute("PRAGMA user_version = 7")
        XCTAssertEqual(try database.userVersion, 7)
    }

    func testChanges() throws {
        let folder = TemporaryDirectory()
        let database = try makeDatabase(folder)
        try database.execute("INSERT INTO t (name, data) VALUES ('a', x'01'), ('b', x'01')")
        try database.execute("UPDATE t SET n = 1")
        XCTAssertEqual(database.changes, 2)
    }

    func testSyntaxErrorThrows() throws {
        let folder = TemporaryDirectory()
        let database = try makeDatabase(folder)
        XCTAssertThrowsError(try database.prepare("SELEC nothing")) { error in
            XCTAssertEqual((error as? SQLiteError)?.code, 1)
        }
    }

    func testGarbageFileIsCorrupt() throws {
        let folder = TemporaryDirectory()
        let path = folder.path + "/garbage.db"
        writeFile(path, [UInt8](repeating: 0x5a, count: 4096))
        let database = try Database(path: path, create: false)
        XCTAssertThrowsError(try database.userVersion) { error in
            XCTAssertEqual((error as? SQLiteError)?.isCorrupt, true, "\(error)")
        }
    }
}
