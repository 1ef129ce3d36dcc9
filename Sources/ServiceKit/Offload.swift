import Dispatch

/// Runs CPU-heavy or blocking work (bcrypt) on Dispatch's pool instead of a Swift concurrency or NIO thread.
public func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try work() }) }
    }
}
