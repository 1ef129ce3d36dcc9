import Crypto
public import Foundation
public import ParleyAPI
public import ParleyStore
public import ServiceKit

/// The media service: upload URLs (S3 presigned, or the server's own), the media messages carry, and link
/// previews.
public struct MediaService: MediaAPI, MediaInternalAPI, MediaAttachments {
    /// How long an upload URL stays valid.
    public static let uploadWindow = 300

    let store: any MediaStore
    let storage: any MediaStorage
    let previews: LinkPreviewer?
    let now: @Sendable () -> Date

    public init(store: any MediaStore, storage: any MediaStorage, previews: LinkPreviewer? = nil, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.storage = storage
        self.previews = previews
        self.now = now
    }

    public func presign(_ input: Media.Presign.Input, context: APIContext) async throws -> APIResponse<PresignResponse> {
        let request = input.body
        let type = request.fileType.rawValue
        guard let rules = MediaRules.types[type] else { throw APIError.validation(path: "body.fileType", "is not a type that can be uploaded") }
        guard request.fileSize <= rules.limit else {
            throw APIError.validation(path: "body.fileSize", "must be at most \(rules.limit) bytes for \(rules.kind.rawValue) files")
        }
        let fileName = MediaRules.sanitize(request.fileName)
        guard let fileExtension = MediaRules.fileExtension(fileName), rules.extensions.contains(fileExtension) else {
            let allowed = rules.extensions.sorted().map { ".\($0)" }.joined(separator: ", ")
            throw APIError.validation(path: "body.fileName", "must end in \(allowed) for \(type)")
        }
        let id = ObjectId()
        // The random part keeps the URL unguessable: it is all that guards a file read by URL, as with S3 behind CloudFront.
        let random = SymmetricKey(size: .bits128).withUnsafeBytes { SigV4.hex($0) }
        let key = "\(input.caller.userId)/\(id)-\(random).\(rules.storedExtension)"
        let media = MediaRecord(
            id: id,
            userId: input.caller.userId,
            fileName: fileName,
            fileType: type,
            fileSize: request.fileSize,
            storageKey: key,
            url: storage.url(forKey: key),
            createdAt: now()
        )
        let uploadURL = try await storage.uploadURL(for: media, expiresIn: Self.uploadWindow, now: media.createdAt)
        try await store.media.insert(media)
        return APIResponse(PresignResponse(uploadUrl: uploadURL, mediaId: id, expiresIn: Self.uploadWindow))
    }

    public func linkPreview(_ input: Media.LinkPreview.Input, context: APIContext) async throws -> APIResponse<LinkPreview> {
        guard let previews else { throw APIError.notImplemented("media.linkPreview") }
        return APIResponse(try await previews.preview(input.query.url, logger: context.logger))
    }

    public func get(_ input: Media.Get.Input, context: APIContext) async throws -> APIResponse<MediaResponse> {
        guard let media = try await arrived(input.path.id, owner: input.caller.userId) else { throw APIError.notFound("No such upload") }
        return APIResponse(MediaResponse(media: media.api))
    }

    public func attachment(_ input: MediaInternal.Attachment.Input, context: APIContext) async throws -> APIResponse<MediaResponse> {
        APIResponse(MediaResponse(media: try await attachment(input.body.mediaId, sender: input.body.ownerId).api))
    }

    public func attachment(_ mediaId: ObjectId, sender: ObjectId) async throws -> MessageMediaRecord {
        guard let media = try await arrived(mediaId, owner: sender) else {
            throw APIError.validation(path: "body.mediaId", "is not an upload of yours that has arrived")
        }
        return media
    }

    /// `owner`'s upload `id`, once its file is there.
    private func arrived(_ id: ObjectId, owner: ObjectId) async throws -> MessageMediaRecord? {
        guard let media = try await store.media.find(id: id), media.userId == owner else { return nil }
        if media.uploadedAt == nil {
            // Only S3 is asked: the embedded storage marks an upload itself when it is complete.
            guard try await storage.objectExists(media) else { return nil }
            _ = try await store.media.markUploaded(id: media.id, at: now())
        }
        return MessageMediaRecord(kind: MediaRules.types[media.fileType]?.kind ?? .document, url: media.url, mediaId: media.id)
    }
}
