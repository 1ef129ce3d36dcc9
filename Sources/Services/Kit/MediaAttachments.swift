import ParleyAPI
import ParleyStore

/// What the messages service asks the media service: the media a message of `sender` may carry.
public protocol MediaAttachments: Sendable {
    /// Throws a validation error unless `mediaId` is an upload of `sender`'s that has arrived.
    func attachment(_ mediaId: ObjectId, sender: ObjectId) async throws -> MessageMediaRecord
}
