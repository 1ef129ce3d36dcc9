public import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ParleyAPI

/// The web app's bundle (`web/dist/`, built by `scripts/build-web`): `index.html` for `/` and for each of the
/// app's own routes (a deep link reloads into the app), content-hashed assets cached for good, and the few
/// files at the root (service worker, manifest, icons). API, socket and media paths are never shadowed: the app
/// only answers paths it knows.
public struct WebApp: Sendable {
    /// The app's routes, as its router knows them.
    static let appRoutes = ["/login", "/register", "/chats", "/chats/:id", "/profile", "/settings"]

    let folder: URL

    /// The bundle in `folder`, if it holds an `index.html`.
    public init?(folder: URL) {
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("index.html").path) else { return nil }
        self.folder = folder
    }

    /// For the 405 answers: the app's pages (not its files, so that a wrong method on an unknown path stays 404).
    static var routes: [APIRouteDescriptor] {
        (["/"] + appRoutes).map { APIRouteDescriptor(method: .get, path: $0, operation: "web") }
    }

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        let files = FileIO()
        for path in ["/"] + Self.appRoutes {
            router.get(RouterPath(path)) { _, context in try await serve("index.html", cache: "no-cache", files: files, context: context) }
        }
        router.get("/assets/:file") { _, context in
            try await serve(
                "assets/" + (context.parameters.get("file") ?? ""),
                cache: "public, max-age=31536000, immutable",
                files: files,
                context: context
            )
        }
        router.get("/:file") { _, context in
            try await serve(context.parameters.get("file") ?? "", cache: "no-cache", files: files, context: context)
        }
    }

    /// Only plain names of the bundle: no dot files, no separators, nothing `..` could climb out of.
    private func serve(_ name: String, cache: String, files: FileIO, context: some RequestContext) async throws -> Response {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.count <= 2,
            parts.allSatisfy({ $0.first != "." && !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) } }),
            let type = Self.types[URL(fileURLWithPath: name).pathExtension.lowercased()]
        else { throw APIError.notFound("No such file") }
        let path = folder.appendingPathComponent(name).path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw APIError.notFound("No such file")
        }
        var headers: HTTPFields = [.contentType: type, .cacheControl: cache]
        if name == "sw.js", let scope = HTTPField.Name("Service-Worker-Allowed") { headers[scope] = "/" }
        return Response(status: .ok, headers: headers, body: try await files.loadFile(path: path, context: context))
    }

    static let types = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "map": "application/json", "json": "application/json", "webmanifest": "application/manifest+json", "svg": "image/svg+xml",
        "png": "image/png", "ico": "image/x-icon", "txt": "text/plain; charset=utf-8", "woff2": "font/woff2",
    ]
}
