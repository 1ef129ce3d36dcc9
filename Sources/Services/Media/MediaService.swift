import ParleyAPI

/// The media service: presigned uploads and link previews.
///
/// Its handlers are not written yet: every route answers 501 `NOT_IMPLEMENTED`. Because the struct conforms to
/// the generated protocol, a route added to the schema does not compile until it has a method here.
public struct MediaService: MediaAPI {
    public init() {}

    public func presign(_ input: Media.Presign.Input, context: APIContext) async throws -> APIResponse<PresignResponse> {
        throw APIError.notImplemented("media.presign")
    }

    public func linkPreview(_ input: Media.LinkPreview.Input, context: APIContext) async throws -> APIResponse<LinkPreview> {
        throw APIError.notImplemented("media.linkPreview")
    }
}
