import Foundation
import TestSupport
import XCTest

@testable import KimiProfilesCore

/// SPEC §4: flag, then KIMI_PROFILE, then the nearest .kimi-profile, then the active profile.
final class ProfileResolverTests: XCTestCase {
    /// A vault with one profile per rule, "active-p" active, and a project tree whose
    /// `.kimi-profile` names "file-p".
    private struct Fixture {
        let folder: TemporaryDirectory
        let vault: Vault
        let projectFile: String
        let nested: String
        /// A folder with no `.kimi-profile` in the temporary tree.
        let elsewhere: String

        func resolver(flag: String? = nil, env: String? = nil, in directory: String? = nil) -> ProfileResolver
        {
            ProfileResolver(
                explicitName: flag,
                environment: env.map { ["KIMI_PROFILE": $0, "PATH": "/bin"] } ?? ["PATH": "/bin"],
                workingDirectory: directory ?? nested)
        }
    }

    private func makeFixture(active: Bool = true) throws -> Fixture {
        let folder = TemporaryDirectory()
        let root = folder.path
        let vault = try XCTUnwrap(Vault.open(home: HomeFolder(path: root + "/home"), create: true))
        for name in ["flag-p", "env-p", "file-p", "active-p"] {
            try vault.add(makeProfile(name), credential: .apiKey(Secret("sk-kimi-\(name)")))
        }
        if active { try vault.setActive("active-p") }
        makeFolders(root + "/project/src/deep")
        makeFolders(root + "/elsewhere")
        let projectFile = root + "/project/.kimi-profile"
        writeFile(projectFile, Array("# pinned\nfile-p\n".utf8), mode: 0o644)
        return Fixture(
            folder: folder, vault: vault, projectFile: projectFile, nested: root + "/project/src/deep",
            elsewhere: root + "/elsewhere")
    }

    /// Rule 4 can be seen only where no `.kimi-profile` lies above the temporary folder.
    private func skipIfAProjectFileLiesAbove(_ fixture: Fixture) throws {
        if let above = projectFileAbove(fixture.folder.path) {
            throw XCTSkip("\(above) exists above the temporary folder, so rule 4 cannot be reached")
        }
    }

    private func assertResolves(
        _ resolver: ProfileResolver, in vault: Vault?, to name: String, source: ProfileSource,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let resolution = try resolver.resolve(in: vault)
        XCTAssertEqual(resolution.profile.name, name, file: file, line: line)
        XCTAssertEqual(resolution.source, source, file: file, line: line)
    }

    private func assertFails(
        _ resolver: ProfileResolver, in vault: Vault?, with expected: ProfileError,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try resolver.resolve(in: vault), file: file, line: line) {
            XCTAssertEqual($0 as? ProfileError, expected, file: file, line: line)
        }
    }

    // MARK: Precedence

    func testFlagWinsOverEverything() throws {
        let f = try makeFixture()
        try assertResolves(f.resolver(flag: "flag-p", env: "env-p"), in: f.vault, to: "flag-p", source: .flag)
    }

    func testEnvironmentWinsOverProjectFileAndActive() throws {
        let f = try makeFixture()
        try assertResolves(f.resolver(env: "env-p"), in: f.vault, to: "env-p", source: .environment)
    }

    func testEmptyEnvironmentVariableIsIgnored() throws {
        let f = try makeFixture()
        try assertResolves(
            f.resolver(env: ""), in: f.vault, to: "file-p", source: .projectFile(f.projectFile))
    }

    func testProjectFileWinsOverActive() throws {
        let f = try makeFixture()
        try assertResolves(f.resolver(), in: f.vault, to: "file-p", source: .projectFile(f.projectFile))
        XCTAssertEqual(try f.resolver().requestedName()?.name, "file-p")
    }

    func testActiveProfileIsTheLastRule() throws {
        let f = try makeFixture()
        try skipIfAProjectFileLiesAbove(f)
        XCTAssertNil(try f.resolver(in: f.elsewhere).requestedName())
        try assertResolves(f.resolver(in: f.elsewhere), in: f.vault, to: "active-p", source: .active)
    }

    // MARK: Names that match nothing never fall through

    func testUnknownFlagNameNamesTheFlag() throws {
        let f = try makeFixture()
        assertFails(
            f.resolver(flag: "nope", env: "env-p"), in: f.vault, with: .notFound("nope", source: .flag))
    }

    func testUnknownEnvironmentNameNamesTheVariable() throws {
        let f = try makeFixture()
        assertFails(f.resolver(env: "nope"), in: f.vault, with: .notFound("nope", source: .environment))
        XCTAssertTrue(
            ProfileError.notFound("nope", source: .environment).description.contains("KIMI_PROFILE"))
    }

    func testUnknownProjectFileNameNamesTheFile() throws {
        let f = try makeFixture()
        writeFile(f.projectFile, Array("deleted-profile\n".utf8), mode: 0o644)
        let expected = ProfileError.notFound("deleted-profile", source: .projectFile(f.projectFile))
        assertFails(f.resolver(), in: f.vault, with: expected)
        XCTAssertTrue(expected.description.contains(f.projectFile))
    }

    func testAnyNameWithoutAVaultIsNotFound() throws {
        let f = try makeFixture()
        assertFails(f.resolver(flag: "flag-p"), in: nil, with: .notFound("flag-p", source: .flag))
    }

    // MARK: Invalid names

    func testInvalidNameInEnvironment() throws {
        let f = try makeFixture()
        XCTAssertThrowsError(try f.resolver(env: "../etc").resolve(in: f.vault)) { error in
            guard case .invalidName(let name, let problem, let source)? = error as? ProfileError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(name, "../etc")
            XCTAssertFalse(problem.isEmpty)
            XCTAssertEqual(source, .environment)
        }
    }

    func testInvalidNameInFlag() throws {
        let f = try makeFixture()
        XCTAssertThrowsError(try f.resolver(flag: "-x").resolve(in: f.vault)) { error in
            guard case .invalidName(_, _, let source)? = error as? ProfileError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(source, .flag)
        }
    }

    func testInvalidNameInProjectFile() throws {
        let f = try makeFixture()
        writeFile(f.projectFile, Array("token=sk-kimi-abc\n".utf8), mode: 0o644)
        XCTAssertThrowsError(try f.resolver().resolve(in: f.vault)) { error in
            guard case .invalidName(_, _, let source)? = error as? ProfileError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(source, .projectFile(f.projectFile))
        }
    }

    // MARK: Nothing selected

    func testNothingSelected() throws {
        let f = try makeFixture(active: false)
        try skipIfAProjectFileLiesAbove(f)
        assertFails(f.resolver(in: f.elsewhere), in: f.vault, with: .noneSelected)
        assertFails(f.resolver(in: f.elsewhere), in: nil, with: .noneSelected)
    }

    func testSourceNames() {
        XCTAssertEqual(ProfileSource.flag.rule, "flag")
        XCTAssertEqual(ProfileSource.environment.rule, "environment")
        XCTAssertEqual(ProfileSource.projectFile("/p/.kimi-profile").rule, "project-file")
        XCTAssertEqual(ProfileSource.projectFile("/p/.kimi-profile").path, "/p/.kimi-profile")
        XCTAssertEqual(ProfileSource.active.rule, "active")
        XCTAssertNil(ProfileSource.active.path)
    }
}

final class RegionTests: XCTestCase {
    func testEndpoints() {
        XCTAssertEqual(Region.cn.oauthHost, "https://auth.kimi.com")
        XCTAssertEqual(Region.cn.baseURL, "https://api.kimi.com/coding/v1")
        XCTAssertEqual(Region.global.oauthHost, "https://auth.kimi.ai")
        XCTAssertEqual(Region.global.baseURL, "https://api.kimi.ai/coding/v1")
        for region in Region.allCases { XCTAssertTrue(region.baseURL.hasSuffix("/coding/v1")) }
    }
}
