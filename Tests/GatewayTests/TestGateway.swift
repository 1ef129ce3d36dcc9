import AuthService
import Coordination
import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MediaService
import NotificationsService
import Outbound
import ParleyAPI
import ParleyStore
import SQLiteStore
import ServiceKit
import Testing

/// The real gateway and services over a fresh SQLite store, with recorded events and a mail outbox.
struct TestGateway {
    let store: SQLiteStore
    let tokens: TokenService
    let events: RecordingEventPublisher
    let outbox: URL
    let router: Router<ParleyServer.Context>

    static let secrets = AuthSecrets(
        accessSecret: String(repeating: "a", count: 32),
        refreshSecret: String(repeating: "r", count: 32),
        internalSecret: String(repeating: "i", count: 32)
    )

    init(
        rateLimitScale: Double = 1000,
        production: Bool = false,
        trustedProxies: [String] = [],
        webApp: WebApp? = nil,
        readiness: @escaping ParleyServer.ReadinessCheck = {}
    ) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parley-gateway-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        store = try SQLiteStore(path: folder.appendingPathComponent("parley.sqlite").path)
        tokens = TokenService(secrets: Self.secrets)
        events = RecordingEventPublisher()
        outbox = folder.appendingPathComponent("outbox.jsonl")
        var config = Configuration()
        config.mode = production ? .production : .development
        config.dataDirectory = folder
        config.publicURL = "http://127.0.0.1:8080"
        config.jwtAccessSecret = Self.secrets.accessSecret
        config.jwtRefreshSecret = Self.secrets.refreshSecret
        config.internalSecret = Self.secrets.internalSecret
        config.allowedOrigins = ["https://chat.example.com"]
        config.rateLimitScale = rateLimitScale
        config.trustedProxies = trustedProxies.compactMap(CIDR.init)
        router = try ParleyServer(
            role: .all,
            config: config,
            store: store,
            coordination: .inProcess(),
            events: events,
            webApp: webApp,
            readiness: readiness,
            logger: Logger(label: "test")
        ).router
    }

    var app: some ApplicationProtocol { Application(router: router) }

    /// Migrates, then runs `body` against the router in process.
    func test<T: Sendable>(_ setup: TestingSetup = .router, _ body: @escaping @Sendable (Client) async throws -> T) async throws -> T {
        try await store.migrate()
        return try await app.test(setup) { client in try await body(Client(client: client, gateway: self)) }
    }

    /// Migrates, then runs `body` with Hummingbird's own test client.
    func raw<T: Sendable>(_ setup: TestingSetup = .router, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await store.migrate()
        return try await app.test(setup) { client in try await body(client) }
    }

    /// Headers of an authenticated JSON request by a new user.
    func authorizedHeaders() async throws -> HTTPFields {
        try await store.migrate()
        let someone = try await user("someone\(UInt32.random(in: 0..<UInt32.max))")
        return [.authorization: "Bearer \(someone.token)", .contentType: "application/json"]
    }

    /// A registered user straight in the store, with a valid access token.
    func user(_ username: String, name: String? = nil) async throws -> TestUser {
        let record = UserRecord(username: username, email: "\(username)@example.com", name: name ?? username.capitalized)
        try await store.users.insert(record)
        return TestUser(id: record.id, username: username, token: tokens.accessToken(userId: record.id, email: record.email))
    }
}

extension TestGateway: @unchecked Sendable {}

struct TestUser: Sendable {
    var id: ObjectId
    var username: String
    var token: String
}

/// One answer, parsed.
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var json: JSONValue

    var code: String? { json["error"]?["code"]?.stringValue }
    var detailPaths: [String] { json["error"]?["details"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? [] }
    var message: String? { json["error"]?["message"]?.stringValue }
}

struct Client: Sendable {
    let client: any TestClientProtocol
    let gateway: TestGateway

    func call(
        _ method: HTTPRequest.Method,
        _ path: String,
        as user: TestUser? = nil,
        json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let user { headers[.authorization] = "Bearer \(user.token)" }
        if json != nil { headers[.contentType] = "application/json" }
        let response = try await client.executeRequest(uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        let bytes = Array(response.body.readableBytesView)
        let parsed = bytes.isEmpty ? JSONValue.null : ((try? JSONParser.parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self)))
        return Reply(status: response.status, headers: response.headers, json: parsed)
    }

    /// The id of a new group `creator` makes with `others`.
    func groupChat(_ creator: TestUser, with others: [TestUser], title: String = "G") async throws -> String {
        let ids = others.map { "\"\($0.id)\"" }.joined(separator: ",")
        let chat = try await call(.post, "/api/chats", as: creator, json: #"{"type":"group","title":"\#(title)","participantIds":[\#(ids)]}"#)
        return try #require(chat.json["chat"]?["_id"]?.stringValue)
    }

    /// The id of the direct chat `a` opens with `b`.
    func directChat(_ a: TestUser, _ b: TestUser) async throws -> String {
        let chat = try await call(.post, "/api/chats", as: a, json: #"{"type":"direct","participantIds":["\#(b.id)"]}"#)
        return try #require(chat.json["chat"]?["_id"]?.stringValue)
    }
}
