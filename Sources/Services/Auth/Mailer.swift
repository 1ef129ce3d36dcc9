import Foundation
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
        let line: JSONValue = ["to": .string(address), "kind": .string(kind), "token": .string(token), "createdAt": .string(Timestamp.format(Date()))]
        let data = Data((line.serialized() + "\n").utf8)
        try lock.withLock { _ in
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: url.path) {
                _ = FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
        }
    }
}

import ParleyAPI
