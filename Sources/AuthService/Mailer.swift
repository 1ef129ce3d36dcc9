public import Foundation
import ParleyAPI
import Synchronization

/// Sends the mails the auth service needs; the token never goes to the ordinary log.
public protocol Mailer: Sendable {
    func send(to address: String, kind: String, token: String) async throws
}

/// Appends one JSON line per mail (`to`, `kind`, `token`, `createdAt`) to a file: the development mailer, and
/// how tests read a reset token.
public final class OutboxMailer: Mailer {
    private let url: URL
    private let lock = Mutex(())

    public init(url: URL) { self.url = url }

    public func send(to address: String, kind: String, token: String) async throws {
        let line: JSONValue = [
            "to": .string(address), "kind": .string(kind), "token": .string(token), "createdAt": .string(Timestamp.format(Date())),
        ]
        let data = Data((line.serialized() + "\n").utf8)
        try lock.withLock { _ in
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let handle = try FileHandle.privateFile(at: url, flags: O_APPEND)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
        }
    }
}

extension FileHandle {
    /// Opens `url` for writing, creating it readable by this user only (0600) in the same call, so that no other user
    /// can open it in between. `flags`: `O_APPEND`, or `O_EXCL` to insist on a new file.
    static func privateFile(at url: URL, flags: Int32) throws -> FileHandle {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }
}
