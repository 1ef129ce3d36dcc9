import CHiredis
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One blocking hiredis connection, over TLS for `rediss://`. Not thread-safe: its owner confines it to one thread or
/// serial queue.
final class RedisConnection {
    /// Why a command failed, and whether the server can have seen it.
    enum Failure: Error {
        /// Nothing reached the server (the connection was found dead, or writing failed): safe to retry.
        case notSent(RedisError)
        /// The command may have run; never retried.
        case sent(RedisError)

        var error: RedisError {
            switch self {
            case .notSent(let error), .sent(let error): error
            }
        }
    }

    private let context: UnsafeMutablePointer<redisContext>
    /// For `rediss://`: the bytes go through it, and hiredis only formats and parses.
    private var tls: RedisTLS?

    /// Connects, then authenticates, selects the database and names the client, as configured.
    init(_ configuration: RedisConfiguration) throws(RedisError) {
        _ = Self.ignoreSIGPIPE
        guard
            let context = redisConnectWithTimeout(
                configuration.host,
                Int32(clamping: configuration.port),
                configuration.connectTimeout.redisTimeval
            )
        else { throw .connection("cannot allocate a Redis context") }
        if context.pointee.err != 0 {
            let message = Self.errorString(context)
            redisFree(context)
            throw .connection("connecting to \(configuration.host):\(configuration.port): \(message)")
        }
        self.context = context
        // Not inherited by a child process: one that outlived this connection would keep it open at the server (a
        // closed subscription would still count as subscribed).
        _ = fcntl(context.pointee.fd, F_SETFD, FD_CLOEXEC)
        // Bounds every read and write; without it a dead peer would hang a pool thread forever.
        if redisSetTimeout(context, configuration.commandTimeout.redisTimeval) != REDIS_OK {
            throw .connection("setting the socket timeout: \(Self.errorString(context))")
        }
        _ = redisEnableKeepAlive(context)
        if configuration.tls { tls = try RedisTLS(socket: context.pointee.fd, host: configuration.host, caFile: configuration.caFile) }

        var setup: [[String]] = []
        if let password = configuration.password {
            setup.append(["AUTH"] + (configuration.username.map { [$0] } ?? []) + [password])
        }
        if configuration.database != 0 { setup.append(["SELECT", String(configuration.database)]) }
        if let name = configuration.clientName { setup.append(["CLIENT", "SETNAME", name]) }
        // A TLS 1.3 server sends its session tickets after the handshake: one round trip reads them, so that an idle
        // connection has nothing to read (which `isBroken` takes for a closed one).
        if tls != nil && setup.isEmpty { setup.append(["PING"]) }
        for args in setup {
            do {
                _ = try execute(args.map { Array($0.utf8) })
            } catch {
                throw error.error
            }
        }
    }

    deinit { redisFree(context) }

    /// Whether an idle request/response connection is unusable: an error was recorded, or the socket is
    /// readable (an idle connection has nothing to read, so that means EOF, a reset or stray data).
    var isBroken: Bool {
        if context.pointee.err != 0 { return true }
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, 0)
        if ready < 0 { return errno != EINTR }
        return ready > 0
    }

    /// Sends one command and waits for its reply. A server error reply is thrown as `.sent(.server)`.
    func execute(_ args: [[UInt8]]) throws(Failure) -> RedisValue {
        try send(args)
        let value = try readReply()
        if case .error(let message) = value { throw .sent(.server(message)) }
        return value
    }

    /// Formats the command with `redisFormatCommandArgv` (Swift cannot call the variadic `redisCommand`)
    /// and writes it out completely.
    func send(_ args: [[UInt8]]) throws(Failure) {
        guard !args.isEmpty else { throw .notSent(.protocolError("empty command")) }
        guard context.pointee.err == 0 else { throw .notSent(.connection(Self.errorString(context))) }
        // One flat buffer holds every argument; a trailing byte keeps it non-empty so pointers are never nil.
        var flat: [UInt8] = []
        flat.reserveCapacity(args.reduce(1) { $0 + $1.count })
        var offsets: [Int] = []
        offsets.reserveCapacity(args.count)
        for arg in args {
            offsets.append(flat.count)
            flat.append(contentsOf: arg)
        }
        flat.append(0)
        let lengths = args.map(\.count)

        var written: RedisError?
        let appended: Int32 = flat.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars -> Int32 in
                guard let base = chars.baseAddress else { return REDIS_ERR }
                var argv: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
                var formatted: UnsafeMutablePointer<CChar>?
                let length = lengths.withUnsafeBufferPointer { lengthBuffer in
                    redisFormatCommandArgv(&formatted, Int32(args.count), &argv, lengthBuffer.baseAddress)
                }
                guard length >= 0, let formatted else { return REDIS_ERR }
                defer { redisFreeCommand(formatted) }
                if let tls {
                    do throws(RedisError) {
                        try tls.write(UnsafeRawBufferPointer(start: formatted, count: Int(length)))
                    } catch {
                        written = error
                    }
                    return REDIS_OK
                }
                return redisAppendFormattedCommand(context, formatted, Int(length))
            }
        }
        guard appended == REDIS_OK else { throw .notSent(.protocolError("cannot format the command")) }
        if let written { throw .notSent(written) }
        if tls != nil { return }

        var done: Int32 = 0
        while done == 0 {
            if redisBufferWrite(context, &done) != REDIS_OK {
                // The server cannot have run a command it never fully received.
                throw .notSent(.connection(Self.errorString(context)))
            }
        }
    }

    /// Blocks (up to the command timeout) for the next reply.
    func readReply() throws(Failure) -> RedisValue {
        if tls != nil {
            do {
                while true {
                    if let value = try bufferedReply() { return value }
                    try readTLS()
                }
            } catch {
                throw .sent(error)
            }
        }
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
            throw .sent(currentError)
        }
        defer { freeReplyObject(raw) }
        return Self.value(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Waits up to `timeoutMilliseconds` for a reply; nil when none arrived in time. Used by subscribers,
    /// which must wake up regularly to notice cancellation.
    func pollReply(timeoutMilliseconds: Int32) throws(RedisError) -> RedisValue? {
        if let value = try bufferedReply() { return value }
        if tls?.pending != true {
            var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, timeoutMilliseconds)
            if ready == 0 || (ready < 0 && errno == EINTR) { return nil }
            if ready < 0 { throw .connection(String(cString: strerror(errno))) }
        }
        if tls != nil {
            try readTLS()
        } else {
            guard redisBufferRead(context) == REDIS_OK else { throw currentError }
        }
        return try bufferedReply()
    }

    /// Reads what TLS has (waiting up to the socket's timeout) into hiredis's reply parser.
    private func readTLS() throws(RedisError) {
        guard let tls else { return }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var read: Result<Int, RedisError> = .success(0)
        buffer.withUnsafeMutableBytes { bytes in
            do throws(RedisError) {
                read = .success(try tls.read(into: bytes))
            } catch {
                read = .failure(error)
            }
        }
        let count = try read.get()
        let fed = buffer.withUnsafeBytes { bytes in
            redisReaderFeed(context.pointee.reader, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), count)
        }
        guard fed == REDIS_OK else { throw .protocolError("cannot parse the reply") }
    }

    /// A reply already read off the socket, if complete.
    private func bufferedReply() throws(RedisError) -> RedisValue? {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReplyFromReader(context, &raw) == REDIS_OK else { throw currentError }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return Self.value(raw.assumingMemoryBound(to: redisReply.self))
    }

    private var currentError: RedisError {
        let message = Self.errorString(context)
        switch context.pointee.err {
        case REDIS_ERR_PROTOCOL: return .protocolError(message)
        // hiredis reports an expired socket timeout as EAGAIN's text.
        case REDIS_ERR_IO where message == String(cString: strerror(EAGAIN)): return .connection("timed out")
        default: return .connection(message)
        }
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let bytes = raw.prefix(while: { $0 != 0 })
            return bytes.isEmpty ? "unknown error" : String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func value(_ reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let reply = reply.pointee
        switch reply.type {
        case REDIS_REPLY_STRING:
            return .bulkString(bytes(reply.str, reply.len))
        case REDIS_REPLY_STATUS:
            return .simpleString(String(decoding: bytes(reply.str, reply.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(reply.str, reply.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(reply.integer))
        case REDIS_REPLY_ARRAY:
            guard let elements = reply.element else { return .array([]) }
            return .array((0..<reply.elements).compactMap { index in elements[index].map(value) })
        default:
            return .bulkString(nil)
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// hiredis writes with write(2), which raises SIGPIPE on a socket the server closed; that signal would
    /// kill the process. Ignore it unless the host program installed its own handler.
    private static let ignoreSIGPIPE: Void = {
        var current = sigaction()
        guard sigaction(SIGPIPE, nil, &current) == 0 else { return }
        #if os(Linux)
        let isDefault = current.__sigaction_handler.sa_handler == nil && current.sa_flags & SA_SIGINFO == 0
        #else
        let isDefault = current.__sigaction_u.__sa_handler == nil && current.sa_flags & SA_SIGINFO == 0
        #endif
        if isDefault { signal(SIGPIPE, SIG_IGN) }
    }()
}
