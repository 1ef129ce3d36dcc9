import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
public import ParleyAPI
public import ParleyStore

/// The upload and download routes of the embedded storage; outside the schema because their bodies are
/// files, not JSON.
public struct MediaFiles: Sendable {
    let storage: LocalStorage
    let store: any MediaStore

    public init(storage: LocalStorage, store: any MediaStore) {
        self.storage = storage
        self.store = store
    }

    public static let routes: [APIRouteDescriptor] = [
        APIRouteDescriptor(method: .put, path: "/media/upload/:token", operation: "media.upload"),
        APIRouteDescriptor(method: .get, path: "/media/:owner/:file", operation: "media.file"),
    ]

    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        let files = FileIO()
        router.put("/media/upload/:token") { request, context in try await receive(request, context: context, files: files) }
        router.get("/media/:owner/:file") { request, context in try await serve(request, context: context, files: files) }
    }

    /// Streams the body to a file beside its final place and moves it there once complete: a reader never
    /// sees half a file, and the body is never held in memory.
    func receive(_ request: Request, context: some RequestContext, files: FileIO) async throws -> Response {
        let id: ObjectId
        do {
            id = try storage.mediaId(fromToken: (context.parameters.get("token") ?? "")[...], now: Date())
        } catch .expired {
            throw APIError.forbidden("This upload URL has expired; ask for a new one")
        } catch {
            throw APIError.forbidden("This is not an upload URL of this server")
        }
        guard let media = try await store.media.find(id: id) else { throw APIError.notFound("No such upload") }
        guard media.uploadedAt == nil else { throw APIError.conflict("This file was already uploaded") }
        let contentType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard contentType == media.fileType else {
            throw APIError.validation(path: "header.content-type", "must be \(media.fileType), as declared")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length != media.fileSize {
            if length > media.fileSize { throw APIError.payloadTooLarge(limit: media.fileSize) }
            throw APIError.validation(path: "header.content-length", "must be \(media.fileSize), as declared")
        }
        let target = storage.folder.appendingPathComponent(media.storageKey)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let partial = target.path + ".part-" + ObjectId().description
        defer { try? FileManager.default.removeItem(atPath: partial) }
        let counter = ByteCounter()
        do {
            try await files.writeFile(contents: request.body.map { try counter.add($0, limit: media.fileSize) }, path: partial, context: context)
        } catch  where counter.total > media.fileSize {
            // The file system wraps what the body sequence threw.
            throw APIError.payloadTooLarge(limit: media.fileSize)
        }
        guard counter.total == media.fileSize else {
            throw APIError.validation(path: "body", "has \(counter.total) bytes; \(media.fileSize) were declared")
        }
        // The store decides which of two racing uploads is the one: the other is refused and its file dropped.
        guard try await store.media.markUploaded(id: media.id, at: Date()) else {
            throw APIError.conflict("This file was already uploaded")
        }
        try FileManager.default.moveItem(atPath: partial, toPath: target.path)
        return Response(status: .ok, headers: [.contentType: APIMediaType.json], body: .init(byteBuffer: ByteBuffer(string: #"{"success":true}"#)))
    }

    func serve(_ request: Request, context: some RequestContext, files: FileIO) async throws -> Response {
        let owner = context.parameters.get("owner") ?? ""
        let file = context.parameters.get("file") ?? ""
        guard let path = storage.path(forKey: owner[...], file[...]), let id = ObjectId(file.prefix(24)),
            let media = try await store.media.find(id: id), media.storageKey == "\(owner)/\(file)", media.uploadedAt != nil,
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        else { throw APIError.notFound("No such file") }

        var headers: HTTPFields = [
            .contentType: media.fileType,
            .acceptRanges: "bytes",
            .cacheControl: "private, max-age=31536000, immutable",
            // Whatever the bytes are, a browser neither guesses another type nor runs them as a page.
            .contentSecurityPolicy: "default-src 'none'; sandbox",
        ]
        if let noSniff = HTTPField.Name("X-Content-Type-Options") { headers[noSniff] = "nosniff" }
        if MediaRules.types[media.fileType]?.kind == .document {
            headers[.contentDisposition] = Self.attachment(fileName: media.fileName)
        }
        switch ByteRange(request.headers[.range], size: size) {
        case .none:
            headers[.contentLength] = String(size)
            return Response(status: .ok, headers: headers, body: try await files.loadFile(path: path, context: context))
        case .some(.unsatisfiable):
            headers[.contentRange] = "bytes */\(size)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        case .some(.bytes(let range)):
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            headers[.contentLength] = String(range.count)
            return Response(status: .partialContent, headers: headers, body: try await files.loadFile(path: path, range: range, context: context))
        }
    }

    /// RFC 6266: an ASCII fallback and the exact name in RFC 5987 encoding.
    static func attachment(fileName: String) -> String {
        let fallback = String(fileName.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(SigV4.encode(fileName))"
    }
}

/// Counts a body's bytes as they stream past, refusing the one that goes beyond the declared size.
final class ByteCounter: @unchecked Sendable {
    // Touched only by the one task that consumes the body, in order.
    private(set) var total = 0

    func add(_ buffer: ByteBuffer, limit: Int) throws -> ByteBuffer {
        total += buffer.readableBytes
        guard total <= limit else { throw APIError.payloadTooLarge(limit: limit) }
        return buffer
    }
}

/// A single `Range: bytes=…` request (RFC 9110 §14.1.2); several ranges, or a syntax this does not know, are
/// answered with the whole file, as the RFC allows.
enum ByteRange: Equatable {
    case bytes(ClosedRange<Int>)
    case unsatisfiable

    init?(_ header: String?, size: Int) {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash]
        let last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            // The last N bytes.
            guard let suffix = Int(last), suffix >= 0 else { return nil }
            guard suffix > 0, size > 0 else {
                self = .unsatisfiable
                return
            }
            self = .bytes(max(0, size - suffix)...(size - 1))
            return
        }
        guard let start = Int(first), start >= 0 else { return nil }
        let end: Int
        if last.isEmpty {
            end = size - 1
        } else {
            guard let value = Int(last), value >= start else { return nil }
            end = min(value, size - 1)
        }
        guard start < size else {
            self = .unsatisfiable
            return
        }
        self = .bytes(start...end)
    }
}
