import COpenSSL
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// TLS over a connected, blocking socket (OpenSSL), for `rediss://`: hiredis connects, formats commands and parses
/// replies, and this carries the bytes. The socket's timeouts bound every read and write, the handshake included.
/// The server's certificate must chain to the system's roots (or to `caFile`) and name the host it was reached at.
final class RedisTLS {
    private let context: OpaquePointer
    private let ssl: OpaquePointer

    init(socket: Int32, host: String, caFile: String?) throws(RedisError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw Self.failure("creating a TLS context") }
        self.context = context
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw Self.failure("creating a TLS session")
        }
        self.ssl = ssl
        _ = parley_ssl_ctx_min_tls12(context)
        let roots = caFile.map { SSL_CTX_load_verify_locations(context, $0, nil) } ?? SSL_CTX_set_default_verify_paths(context)
        guard roots == 1 else { throw Self.failure(caFile.map { "reading the CA file \($0)" } ?? "loading the system's CA certificates") }
        SSL_set_verify(ssl, SSL_VERIFY_PEER, nil)
        // The certificate must name what was dialled: an IP address as an IP address, a name as a DNS name (also sent
        // as SNI).
        var address = in6_addr()
        if inet_pton(AF_INET, host, &address) == 1 || inet_pton(AF_INET6, host, &address) == 1 {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 else { throw Self.failure("checking for \(host)") }
        } else {
            guard SSL_set1_host(ssl, host) == 1, parley_ssl_set_sni(ssl, host) == 1 else { throw Self.failure("checking for \(host)") }
        }
        guard SSL_set_fd(ssl, socket) == 1 else { throw Self.failure("attaching the socket") }
        ERR_clear_error()
        let connected = SSL_connect(ssl)
        guard connected == 1 else {
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK {
                throw .connection("TLS handshake with \(host): \(String(cString: X509_verify_cert_error_string(verify)))")
            }
            throw failure(connected, "TLS handshake with \(host)")
        }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    /// Bytes already decrypted and waiting: a reply may be complete with nothing more on the socket.
    var pending: Bool { SSL_pending(ssl) > 0 }

    func write(_ bytes: UnsafeRawBufferPointer) throws(RedisError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let written = SSL_write(ssl, base + offset, Int32(clamping: bytes.count - offset))
            guard written > 0 else { throw failure(written, "writing") }
            offset += Int(written)
        }
    }

    /// Blocks (up to the socket's timeout) until some bytes arrive; throws at end of stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(RedisError) -> Int {
        ERR_clear_error()
        let count = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        guard count > 0 else { throw failure(count, "reading") }
        return Int(count)
    }

    private func failure(_ result: Int32, _ doing: String) -> RedisError {
        let code = SSL_get_error(ssl, result)
        switch code {
        case SSL_ERROR_ZERO_RETURN:
            return .connection("\(doing): the server closed the TLS session")
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            // A blocking socket asks again only when its timeout expired.
            return .connection("timed out")
        case SSL_ERROR_SYSCALL where errno == EAGAIN || errno == EWOULDBLOCK:
            return .connection("timed out")
        case SSL_ERROR_SYSCALL:
            return .connection("\(doing): \(errno == 0 ? "connection closed" : String(cString: strerror(errno)))")
        default:
            return Self.failure(doing)
        }
    }

    /// The error OpenSSL queued, with what was being done.
    private static func failure(_ doing: String) -> RedisError {
        let code = ERR_get_error()
        guard code != 0 else { return .connection("\(doing) failed") }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return .connection("\(doing): \(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
    }
}
