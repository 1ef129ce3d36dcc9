public import Logging
public import ParleyAPI
public import ParleyStore

/// What the messages service asks the media service: the media a message of `sender` may carry.
public protocol MediaAttachments: Sendable {
    /// Throws a validation error unless `mediaId` is an upload of `sender`'s that has arrived.
    func attachment(_ mediaId: ObjectId, sender: ObjectId) async throws -> MessageMediaRecord
}

/// The media service in another process, asked through its internal route.
public struct RemoteMediaAttachments: MediaAttachments {
    let media: any MediaInternalAPI
    let logger: Logger

    public init(media: any MediaInternalAPI, logger: Logger) {
        self.media = media
        self.logger = logger
    }

    public func attachment(_ mediaId: ObjectId, sender: ObjectId) async throws -> MessageMediaRecord {
        let context = APIContext(requestID: "attachment-\(mediaId)", logger: logger)
        let answer = try await media.attachment(.init(body: AttachmentRequest(mediaId: mediaId, ownerId: sender)), context: context)
        return MessageMediaRecord(answer.body.media)
    }
}
