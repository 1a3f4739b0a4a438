internal import COpenSSL

/// An OpenSSL `SSL_CTX`: TLS 1.2 or newer, and for clients, the trust store and peer
/// verification. Built once per `HTTPClient` (or per TLS server) and shared by its connections.
final class TLSContext: @unchecked Sendable {
    // SSL_CTX is safe to share once configured: connections only read it through SSL_new.
    let pointer: OpaquePointer

    private init(method: OpaquePointer?) throws(HTTPError) {
        // No openssl.cnf: it costs start-up time and could change what is trusted.
        OPENSSL_init_ssl(UInt64(OPENSSL_INIT_NO_LOAD_CONFIG), nil)
        guard let context = SSL_CTX_new(method) else {
            throw .tlsConfiguration(reason: "cannot create a TLS context: \(TLSContext.takeErrorReason())")
        }
        pointer = context
        _ = kp_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION)
        // A peer that closes without close_notify ends the stream like one that sends it.
        // Every body the client reads is length-checked by its framing (Content-Length or the
        // last chunk), so only a read-until-close body could be cut short unnoticed, which is
        // also how HTTP/1.1 over plain TCP behaves.
        SSL_CTX_set_options(context, kp_SSL_OP_IGNORE_UNEXPECTED_EOF())
        // A retried SSL_write may come from another address of the same bytes.
        _ = kp_SSL_CTX_set_mode(context, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
    }

    deinit { SSL_CTX_free(pointer) }

    /// A client context that verifies the server's chain against the system trust store and
    /// `trustRoots`.
    ///
    /// The trust store is OpenSSL's default file and folder, as `SSL_CTX_set_default_verify_paths`
    /// loads them, but with `SSL_CERT_FILE` and `SSL_CERT_DIR` read from `environment` rather than
    /// the process's, so that the environment the client was configured with is the one that
    /// counts. A file that the environment or `trustRoots` names and that cannot be loaded is an
    /// error; a missing system default is not (verification will then fail with a reason).
    static func client(environment: [String: String], trustRoots: String?) throws(HTTPError) -> TLSContext {
        let context = try TLSContext(method: TLS_client_method())
        SSL_CTX_set_verify(context.pointer, SSL_VERIFY_PEER, nil)
        if let file = environment["SSL_CERT_FILE"], !file.isEmpty {
            try context.loadTrusted(file: file)
        } else {
            _ = SSL_CTX_load_verify_file(context.pointer, X509_get_default_cert_file())
        }
        let directory = environment["SSL_CERT_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        if SSL_CTX_load_verify_dir(context.pointer, directory ?? String(cString: X509_get_default_cert_dir())) != 1,
            let directory
        {
            throw .tlsConfiguration(reason: "cannot use the certificate folder \(directory): \(takeErrorReason())")
        }
        if let trustRoots { try context.loadTrusted(file: trustRoots) }
        ERR_clear_error()
        return context
    }

    /// A server context presenting the PEM certificate chain and private key at these paths.
    static func server(certificateChain: String, privateKey: String) throws(HTTPError) -> TLSContext {
        let context = try TLSContext(method: TLS_server_method())
        guard SSL_CTX_use_certificate_chain_file(context.pointer, certificateChain) == 1 else {
            throw .tlsConfiguration(
                reason: "cannot load the certificate chain \(certificateChain): \(takeErrorReason())")
        }
        guard SSL_CTX_use_PrivateKey_file(context.pointer, privateKey, SSL_FILETYPE_PEM) == 1,
            SSL_CTX_check_private_key(context.pointer) == 1
        else {
            throw .tlsConfiguration(reason: "cannot load the private key \(privateKey): \(takeErrorReason())")
        }
        return context
    }

    private func loadTrusted(file: String) throws(HTTPError) {
        guard SSL_CTX_load_verify_file(pointer, file) == 1 else {
            throw .tlsConfiguration(
                reason: "cannot load trusted certificates from \(file): \(TLSContext.takeErrorReason())")
        }
    }

    /// The reason of the oldest error on this thread's OpenSSL error queue, which is then emptied.
    static func takeErrorReason() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "unknown error" }
        if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
        return "error \(code)"
    }
}
