import Foundation
import Gateway
import HTTPTypes
import Testing

@Suite struct WebAppTests {
    /// A bundle as scripts/build-web writes one, and a secret beside it that must stay out of reach.
    static func bundle() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("parley-web-\(UUID().uuidString)")
        let dist = root.appendingPathComponent("dist")
        try FileManager.default.createDirectory(at: dist.appendingPathComponent("assets"), withIntermediateDirectories: true)
        try Data("<!doctype html><title>Parley</title>".utf8).write(to: dist.appendingPathComponent("index.html"))
        try Data("console.log(1)".utf8).write(to: dist.appendingPathComponent("assets/main-ABC123.js"))
        try Data("self.addEventListener('push', () => {})".utf8).write(to: dist.appendingPathComponent("sw.js"))
        try Data("secret".utf8).write(to: root.appendingPathComponent("secret.txt"))
        return dist
    }

    @Test func theAppAnswersItsPagesAndFilesAndNothingElse() async throws {
        let folder = try Self.bundle()
        let app = try #require(WebApp(folder: folder))
        let gateway = try TestGateway(webApp: app)
        try await gateway.test { client in
            for path in ["/", "/login", "/chats", "/chats/0123456789abcdef01234567", "/settings"] {
                let page = try await client.call(.get, path)
                #expect(page.status == .ok, "\(path)")
                #expect(page.headers[.contentType] == "text/html; charset=utf-8" && page.headers[.cacheControl] == "no-cache", "\(path)")
            }
            let asset = try await client.call(.get, "/assets/main-ABC123.js")
            #expect(asset.status == .ok && asset.headers[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(asset.headers[.contentType] == "text/javascript; charset=utf-8")
            let worker = try await client.call(.get, "/sw.js")
            #expect(worker.status == .ok && worker.headers[HTTPField.Name("Service-Worker-Allowed")!] == "/")

            for path in ["/assets/..%2Fsecret.txt", "/..%2Fsecret.txt", "/assets/missing.js", "/.hidden.js", "/nothing-here", "/chats/a/b"] {
                let refused = try await client.call(.get, path)
                #expect(refused.status == .notFound && refused.code == "NOT_FOUND", "\(path)")
            }
            // The API, its documents and the probes are not shadowed by the app.
            #expect(try await client.call(.get, "/api/chats").status == .unauthorized)
            #expect(try await client.call(.get, "/healthz").status == .ok)
            #expect(try await client.call(.get, "/openapi.json").headers[.contentType] == "application/json; charset=utf-8")
            #expect(try await client.call(.post, "/nothing-here").status == .notFound)
        }
    }

    @Test func aFolderWithoutIndexIsNoApp() throws {
        #expect(WebApp(folder: FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString)")) == nil)
    }
}
