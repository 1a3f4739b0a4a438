import Foundation

/// Certificates for TLS tests, made with the `openssl` command in a temporary folder: a CA,
/// and server certificates that are good, for the wrong host, expired, self-signed, or signed by
/// a CA nobody trusts. All share one private key. The good ones name `localhost`, `127.0.0.1`
/// and `api.kimi.test` (a made-up name the proxy tests map to 127.0.0.1).
public final class TestCertificates: @unchecked Sendable {
    public let folder: TemporaryDirectory
    /// The trusted CA's certificate (PEM), to pass as `trustRoots` or `SSL_CERT_FILE`.
    public let caCertificate: String
    /// The private key of every server certificate below.
    public let serverKey: String
    public let goodCertificate: String
    public let wrongHostCertificate: String
    public let expiredCertificate: String
    public let selfSignedCertificate: String
    public let untrustedCertificate: String

    /// Makes the files; fails the process if `openssl` is missing or refuses, since every TLS
    /// test would then fail for a reason that has nothing to do with the code under test.
    public init() {
        folder = TemporaryDirectory("kimi-profiles-certs")
        let path = folder.url
        caCertificate = path("ca.pem")
        serverKey = path("server.key")
        goodCertificate = path("good.pem")
        wrongHostCertificate = path("wrong-host.pem")
        expiredCertificate = path("expired.pem")
        selfSignedCertificate = path("self-signed.pem")
        untrustedCertificate = path("untrusted.pem")

        folder.write(
            "openssl.cnf",
            """
            [req]
            distinguished_name = dn
            prompt = no
            [dn]
            CN = unused
            [ca_ext]
            basicConstraints = critical, CA:TRUE
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash
            [ca]
            default_ca = ca_section
            [ca_section]
            database = index.txt
            new_certs_dir = .
            rand_serial = yes
            default_md = sha256
            policy = any
            unique_subject = no
            [any]
            commonName = supplied

            """)
        folder.write("index.txt", "")
        for (name, names) in [
            ("good.ext", "DNS:localhost,IP:127.0.0.1,DNS:api.kimi.test"), ("wrong.ext", "DNS:wrong.example"),
        ] {
            folder.write(
                name,
                """
                basicConstraints = critical, CA:FALSE
                keyUsage = critical, digitalSignature
                extendedKeyUsage = serverAuth
                subjectAltName = \(names)

                """)
        }
        let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        run(
            ["req", "-config", "openssl.cnf", "-x509"] + newKey + [
                "-keyout", "ca.key", "-out", "ca.pem",
                "-subj", "/CN=kimi-profiles Test CA", "-days", "30", "-extensions", "ca_ext",
            ])
        run(
            ["req", "-config", "openssl.cnf", "-x509"] + newKey + [
                "-keyout", "other-ca.key", "-out", "other-ca.pem",
                "-subj", "/CN=Untrusted Test CA", "-days", "30", "-extensions", "ca_ext",
            ])
        run(
            ["req", "-config", "openssl.cnf", "-new"] + newKey + [
                "-keyout", "server.key", "-out", "server.csr",
                "-subj", "/CN=localhost",
            ])
        let sign = ["x509", "-req", "-in", "server.csr", "-days", "30"]
        run(
            sign + [
                "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "2", "-extfile", "good.ext", "-out", "good.pem",
            ])
        run(
            sign + [
                "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "3", "-extfile", "wrong.ext", "-out",
                "wrong-host.pem",
            ])
        run(
            sign + [
                "-CA", "other-ca.pem", "-CAkey", "other-ca.key", "-set_serial", "4", "-extfile", "good.ext",
                "-out", "untrusted.pem",
            ])
        run(sign + ["-key", "server.key", "-extfile", "good.ext", "-out", "self-signed.pem"])
        run([
            "ca", "-config", "openssl.cnf", "-batch", "-notext", "-cert", "ca.pem", "-keyfile", "ca.key",
            "-startdate", "20200101000000Z", "-enddate", "20200201000000Z", "-extfile", "good.ext",
            "-in", "server.csr", "-out", "expired.pem",
        ])
    }

    private func run(_ arguments: [String]) {
        let result = BinaryRunner.launch(
            "/usr/bin/env", ["openssl"] + arguments, environment: ["PATH": "/usr/local/bin:/usr/bin:/bin"],
            cwd: folder.path, timeout: 30)
        precondition(result.status == 0, "openssl \(arguments.joined(separator: " ")) failed: \(result.output)")
    }
}
