public import Coordination
import Crypto
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
public import Outbound
public import ParleyAPI

/// Open Graph previews of the pages people link to: fetched through the outbound guard (never the server's own
/// network), parsed with a tokenizer, cached a day (a failure for a few minutes, so a dead link is not
/// fetched again for every viewer).
public struct LinkPreviewer: Sendable {
    static let timeout: Duration = .seconds(5)
    static let maxBody = 1 << 20
    static let maxRedirects = 3
    static let lifetime: Duration = .seconds(24 * 3600)
    static let failureLifetime: Duration = .seconds(300)

    let client: OutboundClient
    let cache: any SharedCache

    public init(client: OutboundClient, cache: any SharedCache) {
        self.client = client
        self.cache = cache
    }

    public func preview(_ text: String, logger: Logger) async throws -> LinkPreview {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw APIError.validation(path: "query.url", "must be an http or https URL")
        }
        let key = "link-preview:" + SigV4.hex(SHA256.hash(data: Array(text.utf8)))
        let cached: [UInt8]?
        do {
            cached = try await cache.value(key)
        } catch {
            logger.warning("link preview cache unavailable", metadata: ["error": "\(error)"])
            cached = nil
        }
        if let cached, let first = cached.first {
            if first == UInt8(ascii: "1") { return try LinkPreview.decode(jsonBytes: Array(cached.dropFirst())) }
            throw APIError.validation(path: "query.url", String(decoding: cached.dropFirst(), as: UTF8.self))
        }
        do {
            let preview = try await fetch(url, as: text)
            await remember(key, [UInt8(ascii: "1")] + preview.jsonBytes, for: Self.lifetime, logger: logger)
            return preview
        } catch {
            let message = (error as? PreviewFailure)?.message ?? "cannot be fetched"
            await remember(key, [UInt8(ascii: "0")] + Array(message.utf8), for: Self.failureLifetime, logger: logger)
            throw APIError.validation(path: "query.url", message)
        }
    }

    private func remember(_ key: String, _ value: [UInt8], for lifetime: Duration, logger: Logger) async {
        do {
            try await cache.store(key, value, for: lifetime)
        } catch {
            logger.warning("link preview cache unavailable", metadata: ["error": "\(error)"])
        }
    }

    struct PreviewFailure: Error {
        var message: String
    }

    /// Follows at most three redirects, each target checked again before it is fetched.
    func fetch(_ start: URL, as requested: String) async throws -> LinkPreview {
        var url = start
        var redirects = 0
        while true {
            let response: OutboundClient.Response
            do {
                response = try await client.send(
                    to: url,
                    headers: ["Accept": "text/html,application/xhtml+xml", "User-Agent": "ParleyLinkPreview/1.0"],
                    timeout: Self.timeout,
                    maxBody: Self.maxBody
                )
            } catch let failure as OutboundClient.Failure {
                throw PreviewFailure(message: "cannot be previewed: \(failure)")
            } catch {
                throw PreviewFailure(message: "cannot be fetched")
            }
            if [301, 302, 303, 307, 308].contains(response.status) {
                redirects += 1
                guard redirects <= Self.maxRedirects else { throw PreviewFailure(message: "redirects more than \(Self.maxRedirects) times") }
                guard let location = response.headers.first(name: "location"), let next = URL(string: location, relativeTo: url)?.absoluteURL
                else { throw PreviewFailure(message: "redirects nowhere") }
                url = next
                continue
            }
            guard (200..<300).contains(response.status) else { throw PreviewFailure(message: "answered HTTP \(response.status)") }
            let type = response.headers.first(name: "content-type")?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            guard type == "text/html" || type == "application/xhtml+xml" else {
                throw PreviewFailure(message: "is not an HTML page (\(type ?? "no content type"))")
            }
            let metadata = HTMLMetadata.parse(Array(response.body.readableBytesView))
            let base = metadata.baseHref.flatMap { URL(string: $0, relativeTo: url)?.absoluteURL } ?? url
            let image = metadata.image.flatMap { URL(string: $0, relativeTo: base)?.absoluteURL }.flatMap { image in
                ["http", "https"].contains(image.scheme?.lowercased() ?? "") ? image.absoluteString : nil
            }
            return LinkPreview(url: requested, title: metadata.title, description: metadata.description, image: image)
        }
    }
}
