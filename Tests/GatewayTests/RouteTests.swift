import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ParleyAPI
import ParleyStore
import ServiceKit
import Testing

@testable import AuthService

// Each route of the auth, users, chats and messages services through the real router and services:
// success, documented errors, authentication, and a stranger kept out.

func expectError(_ reply: Reply, _ status: Int, _ code: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(Int(reply.status.code) == status, "answered \(reply.status.code): \(reply.json.serialized())", sourceLocation: sourceLocation)
    #expect(reply.code == code, sourceLocation: sourceLocation)
    #expect(reply.json["error"]?["statusCode"]?.intValue == status, sourceLocation: sourceLocation)
}

@Suite struct AuthenticationTests {
    @Test func everyProtectedRouteRejectsMissingBadAndForeignTokens() async throws {
        let gateway = try TestGateway()
        let otherKey = TokenService(secrets: AuthSecrets(accessSecret: String(repeating: "x", count: 32), refreshSecret: "r", internalSecret: "i"))
        try await gateway.test { client in
            let someone = try await gateway.user("someone")
            let expired = gateway.tokens.accessToken(userId: someone.id, email: "", now: Date().addingTimeInterval(-3600))
            let forged = otherKey.accessToken(userId: someone.id, email: "")
            let unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + someone.token.split(separator: ".")[1] + "."
            for route in ServiceSet.publicRoutes where route.security == "bearer" {
                let path = route.path.split(separator: "/").map { $0.hasPrefix(":") ? ObjectId().description : String($0) }.joined(separator: "/")
                for token in [nil, "garbage", expired, forged, unsigned] {
                    let user = token.map { TestUser(id: someone.id, username: "", token: $0) }
                    let reply = try await client.call(
                        route.method,
                        "/" + path,
                        as: user,
                        json: route.method == .get || route.method == .delete ? nil : "{}"
                    )
                    expectError(reply, 401, "UNAUTHORIZED")
                }
            }
        }
    }
}

@Suite struct AuthRouteTests {
    @Test func registerLoginMeAndConflicts() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let created = try await client.call(
                .post,
                "/api/auth/register",
                json: #"{"username":"alice","email":"Alice@Example.com","password":"correct horse","name":"Alice"}"#
            )
            #expect(created.status == .created)
            #expect(created.json["user"]?["email"]?.stringValue == "Alice@Example.com")
            #expect(created.json["user"]?["passwordHash"] == nil)
            let cookie = try #require(created.headers[values: .setCookie].first)
            #expect(cookie.hasPrefix("refreshToken="))
            for attribute in ["HttpOnly", "SameSite=Lax", "Path=/api/auth", "Max-Age=2592000"] { #expect(cookie.contains(attribute), "\(attribute)") }
            #expect(!cookie.contains("Secure"), "not in development")

            expectError(
                try await client.call(
                    .post,
                    "/api/auth/register",
                    json: #"{"username":"alice","email":"other@example.com","password":"correct horse","name":"A"}"#
                ),
                409,
                "CONFLICT"
            )
            expectError(
                try await client.call(
                    .post,
                    "/api/auth/register",
                    json: #"{"username":"alice2","email":"ALICE@example.COM","password":"correct horse","name":"A"}"#
                ),
                409,
                "CONFLICT"
            )

            let login = try await client.call(.post, "/api/auth/login", json: #"{"email":"alice@example.com","password":"correct horse"}"#)
            #expect(login.status == .ok)
            let token = try #require(login.json["accessToken"]?.stringValue)
            let me = try await client.call(.get, "/api/auth/me", as: TestUser(id: ObjectId(), username: "", token: token))
            #expect(me.json["user"]?["username"]?.stringValue == "alice")

            let wrong = try await client.call(.post, "/api/auth/login", json: #"{"email":"alice@example.com","password":"wrong password"}"#)
            let unknown = try await client.call(.post, "/api/auth/login", json: #"{"email":"nobody@example.com","password":"wrong password"}"#)
            expectError(wrong, 401, "UNAUTHORIZED")
            #expect(wrong.json == unknown.json, "the same answer for an unknown email and a wrong password")
        }
    }

    /// Auth stores the credential, then asks the users service for the profile: an address is never left taken by a
    /// registration that did not get that far.
    @Test func anUnfinishedRegistrationNeverKeepsTheAddress() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            func register(_ username: String, _ email: String, _ password: String) async throws -> Reply {
                try await client.call(
                    .post,
                    "/api/auth/register",
                    json: #"{"username":"\#(username)","email":"\#(email)","password":"\#(password)","name":"N"}"#
                )
            }
            func login(_ email: String, _ password: String) async throws -> Reply {
                try await client.call(.post, "/api/auth/login", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
            }
            #expect(try await register("erin", "erin@example.com", "correct horse").status == .created)
            expectError(try await register("erin", "other@example.com", "correct horse"), 409, "CONFLICT")
            #expect(try await gateway.store.credentials.find(email: "other@example.com") == nil, "a taken username frees the address")
            #expect(try await register("erin2", "other@example.com", "correct horse").status == .created)

            // The users service failed just after the credential was stored.
            let orphan = CredentialRecord(userId: ObjectId(), email: "fay@example.com", passwordHash: PasswordHasher.hash("first password"))
            try await gateway.store.credentials.insert(orphan)
            expectError(try await login("fay@example.com", "first password"), 401, "UNAUTHORIZED")
            expectError(try await register("fay", "fay@example.com", "other password"), 409, "CONFLICT")
            let retried = try await register("fay", "FAY@example.com", "first password")
            #expect(retried.status == .created, "the same registration tried again")
            #expect(retried.json["user"]?["_id"]?.stringValue == orphan.userId.description)
            #expect(try await login("fay@example.com", "first password").status == .ok)

            // Long abandoned: anyone may register the address, with their own password.
            let old = Date().addingTimeInterval(-2 * AuthService.registrationWindow)
            let abandoned = CredentialRecord(userId: ObjectId(), email: "gil@example.com", passwordHash: PasswordHasher.hash("lost"), createdAt: old)
            try await gateway.store.credentials.insert(abandoned)
            #expect(try await register("gil", "gil@example.com", "new password").status == .created)
            #expect(try await login("gil@example.com", "new password").status == .ok)
            expectError(try await login("gil@example.com", "lost"), 401, "UNAUTHORIZED")
        }
    }

    @Test func productionCookiesAreSecure() async throws {
        let gateway = try TestGateway(production: true)
        try await gateway.test { client in
            let created = try await client.call(
                .post,
                "/api/auth/register",
                json: #"{"username":"sec","email":"sec@example.com","password":"correct horse","name":"S"}"#
            )
            #expect(created.headers[values: .setCookie].first?.contains("Secure") == true)
            #expect(created.headers[.strictTransportSecurity] != nil)
        }
    }

    @Test func refreshRotatesAndAReplayRevokesTheSession() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let created = try await client.call(
                .post,
                "/api/auth/register",
                json: #"{"username":"bob","email":"bob@example.com","password":"correct horse","name":"Bob"}"#
            )
            let first = try #require(Self.cookie(created))
            expectError(try await client.call(.post, "/api/auth/refresh"), 401, "UNAUTHORIZED")

            let refreshed = try await client.call(.post, "/api/auth/refresh", headers: [.cookie: "refreshToken=\(first)"])
            #expect(refreshed.status == .ok)
            #expect(refreshed.json["accessToken"]?.stringValue != nil)
            let second = try #require(Self.cookie(refreshed))
            #expect(second != first)

            expectError(try await client.call(.post, "/api/auth/refresh", headers: [.cookie: "refreshToken=\(first)"]), 401, "UNAUTHORIZED")
            expectError(try await client.call(.post, "/api/auth/refresh", headers: [.cookie: "refreshToken=\(second)"]), 401, "UNAUTHORIZED")
        }
    }

    @Test func logoutEndsTheSessionAndIsIdempotent() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let created = try await client.call(
                .post,
                "/api/auth/register",
                json: #"{"username":"carol","email":"carol@example.com","password":"correct horse","name":"C"}"#
            )
            let cookie = try #require(Self.cookie(created))
            let out = try await client.call(.post, "/api/auth/logout", headers: [.cookie: "refreshToken=\(cookie)"])
            #expect(out.json == ["success": true])
            #expect(out.headers[values: .setCookie].first?.contains("Max-Age=0") == true)
            #expect(try await client.call(.post, "/api/auth/logout").status == .ok)
            expectError(try await client.call(.post, "/api/auth/refresh", headers: [.cookie: "refreshToken=\(cookie)"]), 401, "UNAUTHORIZED")
        }
    }

    @Test func passwordResetThroughTheOutbox() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let created = try await client.call(
                .post,
                "/api/auth/register",
                json: #"{"username":"dave","email":"dave@example.com","password":"old password","name":"D"}"#
            )
            let session = try #require(Self.cookie(created))
            #expect(try await client.call(.post, "/api/auth/password/forgot", json: #"{"email":"nobody@example.com"}"#).json == ["success": true])
            #expect(try await client.call(.post, "/api/auth/password/forgot", json: #"{"email":"DAVE@example.com"}"#).json == ["success": true])
            let lines = try String(contentsOf: gateway.outbox, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 1, "only the known address gets mail")
            let mail = try JSONParser.parse(String(lines[0]))
            #expect(mail["to"]?.stringValue == "dave@example.com")
            #expect(mail["kind"]?.stringValue == "password_reset")
            let token = try #require(mail["token"]?.stringValue)

            let reset = try await client.call(.post, "/api/auth/password/reset", json: #"{"token":"\#(token)","newPassword":"new password"}"#)
            #expect(reset.json == ["success": true])
            let again = try await client.call(.post, "/api/auth/password/reset", json: #"{"token":"\#(token)","newPassword":"other password"}"#)
            expectError(again, 400, "VALIDATION_FAILED")
            #expect(again.detailPaths == ["body.token"])
            expectError(try await client.call(.post, "/api/auth/refresh", headers: [.cookie: "refreshToken=\(session)"]), 401, "UNAUTHORIZED")
            expectError(
                try await client.call(.post, "/api/auth/login", json: #"{"email":"dave@example.com","password":"old password"}"#),
                401,
                "UNAUTHORIZED"
            )
            #expect(try await client.call(.post, "/api/auth/login", json: #"{"email":"dave@example.com","password":"new password"}"#).status == .ok)
        }
    }

    static func cookie(_ reply: Reply) -> String? {
        reply.headers[values: .setCookie].first?.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last.map(String.init)
    }
}

@Suite struct UsersRouteTests {
    @Test func profileSearchBlockAndPresence() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let ana = try await gateway.user("ana", name: "Ana Lima")
            let anabel = try await gateway.user("anabel", name: "Anabel Stone")
            let zed = try await gateway.user("zed", name: "Zed Analyst")

            let profile = try await client.call(.get, "/api/users/\(anabel.id)", as: ana)
            #expect(profile.json["user"]?["username"]?.stringValue == "anabel")
            #expect(profile.json["user"]?["email"] == nil, "others never see an email")
            expectError(try await client.call(.get, "/api/users/\(ObjectId())", as: ana), 404, "NOT_FOUND")

            let found = try await client.call(.get, "/api/users/search?q=AN", as: ana)
            #expect(found.json["users"]?.arrayValue?.compactMap { $0["username"]?.stringValue } == ["anabel", "zed"])
            let twoWords = try await client.call(.get, "/api/users/search?q=zed%20ana", as: ana)
            #expect(twoWords.json["users"]?.arrayValue?.compactMap { $0["username"]?.stringValue } == ["zed"])
            expectError(try await client.call(.get, "/api/users/search?q=", as: ana), 400, "VALIDATION_FAILED")

            #expect(try await client.call(.post, "/api/users/block", as: zed, json: #"{"userId":"\#(ana.id)"}"#).json == ["success": true])
            let afterBlock = try await client.call(.get, "/api/users/search?q=an", as: ana)
            #expect(afterBlock.json["users"]?.arrayValue?.compactMap { $0["username"]?.stringValue } == ["anabel"])
            expectError(try await client.call(.get, "/api/users/\(zed.id)", as: ana), 404, "NOT_FOUND")
            expectError(try await client.call(.post, "/api/users/block", as: ana, json: #"{"userId":"\#(ana.id)"}"#), 400, "VALIDATION_FAILED")
            expectError(try await client.call(.post, "/api/users/unblock", as: ana, json: #"{"userId":"\#(ObjectId())"}"#), 404, "NOT_FOUND")
            #expect(try await client.call(.post, "/api/users/unblock", as: zed, json: #"{"userId":"\#(ana.id)"}"#).status == .ok)

            let patched = try await client.call(.patch, "/api/users/me", as: ana, json: #"{"about":"hello","avatarUrl":"/media/a.png"}"#)
            #expect(patched.json["user"]?["about"]?.stringValue == "hello")
            #expect(patched.json["user"]?["email"]?.stringValue == "ana@example.com")
            let long = try await client.call(.patch, "/api/users/me", as: ana, json: #"{"about":"\#(String(repeating: "x", count: 141))"}"#)
            #expect(long.detailPaths == ["body.about"])

            let presence = try await client.call(.get, "/api/users/presence/\(anabel.id)", as: ana)
            #expect(presence.json["online"]?.boolValue == false)
            expectError(try await client.call(.get, "/api/users/presence/\(ObjectId())", as: ana), 404, "NOT_FOUND")
        }
    }
}

@Suite struct ChatRouteTests {
    @Test func directChatsAreIdempotentAndPrivate() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let (a, b, stranger) = (try await gateway.user("a"), try await gateway.user("b"), try await gateway.user("stranger"))
            let created = try await client.call(.post, "/api/chats", as: a, json: #"{"type":"direct","participantIds":["\#(b.id)"]}"#)
            #expect(created.status == .created)
            let id = try #require(created.json["chat"]?["_id"]?.stringValue)
            let again = try await client.call(.post, "/api/chats", as: b, json: #"{"type":"direct","participantIds":["\#(a.id)"]}"#)
            #expect(again.status == .ok)
            #expect(again.json["chat"]?["_id"]?.stringValue == id)
            #expect(await gateway.events.names() == ["chat:updated", "chat:updated"])

            expectError(try await client.call(.get, "/api/chats/\(id)", as: stranger), 404, "NOT_FOUND")
            expectError(try await client.call(.post, "/api/chats/\(id)/pin", as: stranger, json: "{}"), 404, "NOT_FOUND")
            expectError(try await client.call(.patch, "/api/chats/\(id)", as: a, json: #"{"title":"x"}"#), 400, "VALIDATION_FAILED")
            expectError(
                try await client.call(.post, "/api/chats", as: a, json: #"{"type":"direct","participantIds":["\#(ObjectId())"]}"#),
                404,
                "NOT_FOUND"
            )
            expectError(
                try await client.call(.post, "/api/chats", as: a, json: #"{"type":"direct","participantIds":["\#(b.id)","\#(stranger.id)"]}"#),
                400,
                "VALIDATION_FAILED"
            )

            _ = try await client.call(.post, "/api/users/block", as: stranger, json: #"{"userId":"\#(a.id)"}"#)
            expectError(
                try await client.call(.post, "/api/chats", as: a, json: #"{"type":"direct","participantIds":["\#(stranger.id)"]}"#),
                403,
                "FORBIDDEN"
            )
        }
    }

    @Test func groupsAdminsMembershipAndListing() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let (owner, m1, m2, m3) = (
                try await gateway.user("owner"), try await gateway.user("m1"), try await gateway.user("m2"), try await gateway.user("m3")
            )
            expectError(
                try await client.call(.post, "/api/chats", as: owner, json: #"{"type":"group","participantIds":["\#(m1.id)"]}"#),
                400,
                "VALIDATION_FAILED"
            )
            let group = try await client.call(
                .post,
                "/api/chats",
                as: owner,
                json: #"{"type":"group","title":"Team","participantIds":["\#(m1.id)","\#(m2.id)"]}"#
            )
            #expect(group.status == .created)
            let id = try #require(group.json["chat"]?["_id"]?.stringValue)
            #expect(group.json["chat"]?["admins"] == [.string(owner.id.description)])

            expectError(try await client.call(.patch, "/api/chats/\(id)", as: m1, json: #"{"title":"Mine"}"#), 403, "FORBIDDEN")
            #expect(
                try await client.call(.patch, "/api/chats/\(id)", as: owner, json: #"{"title":"Renamed"}"#).json["chat"]?["title"]?.stringValue
                    == "Renamed"
            )
            expectError(try await client.call(.post, "/api/chats/\(id)/members", as: m1, json: #"{"userId":"\#(m3.id)"}"#), 403, "FORBIDDEN")
            expectError(try await client.call(.post, "/api/chats/\(id)/members", as: owner, json: #"{"userId":"\#(m1.id)"}"#), 409, "CONFLICT")
            let added = try await client.call(.post, "/api/chats/\(id)/members", as: owner, json: #"{"userId":"\#(m3.id)"}"#)
            #expect(added.json["chat"]?["participants"]?.arrayValue?.count == 4)
            expectError(try await client.call(.delete, "/api/chats/\(id)/members/\(m3.id)", as: m1), 403, "FORBIDDEN")

            let left = try await client.call(.delete, "/api/chats/\(id)/members/\(owner.id)", as: owner)
            #expect(left.status == .ok)
            let after = try await client.call(.get, "/api/chats/\(id)", as: m1)
            #expect(after.json["chat"]?["admins"] == [.string(m1.id.description)], "the oldest member becomes admin")
            let chatId = try #require(ObjectId(id))
            #expect(await gateway.events.membershipChanges == [chatId, chatId], "an addition and a departure; a new title is not announced")
            expectError(try await client.call(.get, "/api/chats/\(id)", as: owner), 404, "NOT_FOUND")

            // Listing: pinned first, then most recent; archive filter; cursor pages.
            var ids: [String] = []
            for other in [m2, m3] {
                let chat = try await client.call(.post, "/api/chats", as: m1, json: #"{"type":"direct","participantIds":["\#(other.id)"]}"#)
                ids.append(try #require(chat.json["chat"]?["_id"]?.stringValue))
            }
            #expect(try await client.call(.post, "/api/chats/\(ids[0])/pin", as: m1).status == .ok, "no body: pinned defaults to true")
            #expect(try await client.call(.post, "/api/chats/\(ids[1])/archive", as: m1, json: #"{"archived":true}"#).status == .ok)
            let first = try await client.call(.get, "/api/chats?limit=1", as: m1)
            #expect(first.json["chats"]?[0]?["_id"]?.stringValue == ids[0])
            #expect(first.json["chats"]?[0]?["pinned"]?.boolValue == true)
            let cursor = try #require(first.json["nextCursor"]?.stringValue)
            let second = try await client.call(.get, "/api/chats?limit=5&cursor=\(cursor)", as: m1)
            #expect(second.json["chats"]?.arrayValue?.compactMap { $0["_id"]?.stringValue } == [id])
            #expect(second.json["nextCursor"] == .null)
            let archived = try await client.call(.get, "/api/chats?archived=true", as: m1)
            #expect(archived.json["chats"]?.arrayValue?.compactMap { $0["_id"]?.stringValue } == [ids[1]])
            expectError(try await client.call(.get, "/api/chats?cursor=forged", as: m1), 400, "VALIDATION_FAILED")
        }
    }
}

@Suite struct MessageRouteTests {
    @Test func sendIsIdempotentOnTempIdAndPublished() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let (a, b, stranger) = (try await gateway.user("a"), try await gateway.user("b"), try await gateway.user("c"))
            let chat = try await client.directChat(a, b)
            await gateway.events.clear()
            let sent = try await client.call(.post, "/api/messages/\(chat)", as: a, json: #"{"body":"hello","tempId":"t-1"}"#)
            #expect(sent.status == .created)
            #expect(sent.json["message"]?["tempId"]?.stringValue == "t-1")
            #expect(sent.json["message"]?["status"]?.stringValue == "sent")
            let repeated = try await client.call(.post, "/api/messages/\(chat)", as: a, json: #"{"body":"hello","tempId":"t-1"}"#)
            #expect(repeated.status == .ok)
            #expect(repeated.json["message"]?["_id"] == sent.json["message"]?["_id"])
            let page = try await client.call(.get, "/api/messages/\(chat)", as: b)
            #expect(page.json["messages"]?.arrayValue?.count == 1)
            #expect(page.json["messages"]?[0]?["tempId"] == nil, "only the sender's copy carries the tempId")
            #expect(await gateway.events.names() == ["message:new", "message:new"])

            expectError(try await client.call(.post, "/api/messages/\(chat)", as: a, json: #"{"body":"   "}"#), 400, "VALIDATION_FAILED")
            expectError(try await client.call(.post, "/api/messages/\(chat)", as: stranger, json: #"{"body":"hi"}"#), 404, "NOT_FOUND")
            expectError(try await client.call(.get, "/api/messages/\(chat)", as: stranger), 404, "NOT_FOUND")
            expectError(
                try await client.call(.post, "/api/messages/\(chat)", as: a, json: #"{"body":"x","mediaId":"\#(ObjectId())"}"#),
                400,
                "VALIDATION_FAILED"
            )

            _ = try await client.call(.post, "/api/users/block", as: b, json: #"{"userId":"\#(a.id)"}"#)
            expectError(try await client.call(.post, "/api/messages/\(chat)", as: a, json: #"{"body":"still there?"}"#), 403, "FORBIDDEN")
        }
    }

    @Test func replyEditDeleteAndReact() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let (a, b) = (try await gateway.user("a"), try await gateway.user("b"))
            let chat = try await client.directChat(a, b)
            let first = try #require(
                try await client.call(.post, "/api/messages/\(chat)", as: a, json: #"{"body":"first"}"#).json["message"]?["_id"]?.stringValue
            )
            let reply = try await client.call(.post, "/api/messages/\(chat)", as: b, json: #"{"body":"second","replyToId":"\#(first)"}"#)
            #expect(reply.json["message"]?["replyTo"] == ["messageId": .string(first), "body": "first", "senderId": .string(a.id.description)])

            expectError(try await client.call(.patch, "/api/messages/\(first)", as: b, json: #"{"body":"hijack"}"#), 403, "FORBIDDEN")
            let edited = try await client.call(.patch, "/api/messages/\(first)", as: a, json: #"{"body":"first!"}"#)
            #expect(edited.json["message"]?["body"]?.stringValue == "first!")
            #expect(edited.json["message"]?["editedAt"]?.stringValue != nil)

            let reacted = try await client.call(.post, "/api/messages/\(first)/react", as: b, json: #"{"emoji":"👍"}"#)
            #expect(reacted.json["message"]?["reactions"]?.arrayValue?.count == 1)
            let replaced = try await client.call(.post, "/api/messages/\(first)/react", as: b, json: #"{"emoji":"🎉"}"#)
            #expect(replaced.json["message"]?["reactions"]?[0]?["emoji"]?.stringValue == "🎉")
            let removed = try await client.call(.post, "/api/messages/\(first)/react", as: b, json: #"{"emoji":""}"#)
            #expect(removed.json["message"]?["reactions"] == [])

            expectError(try await client.call(.delete, "/api/messages/\(first)?forEveryone=true", as: b), 403, "FORBIDDEN")
            #expect(try await client.call(.delete, "/api/messages/\(first)", as: b).status == .ok)
            #expect(try await client.call(.get, "/api/messages/\(chat)", as: b).json["messages"]?.arrayValue?.count == 1)
            #expect(try await client.call(.get, "/api/messages/\(chat)", as: a).json["messages"]?.arrayValue?.count == 2)
            #expect(try await client.call(.delete, "/api/messages/\(first)?forEveryone=true", as: a).status == .ok)
            #expect(try await client.call(.get, "/api/messages/\(chat)", as: a).json["messages"]?.arrayValue?.count == 1)
            expectError(try await client.call(.patch, "/api/messages/\(first)", as: a, json: #"{"body":"ghost"}"#), 404, "NOT_FOUND")
        }
    }

    @Test func readReceiptsUnreadCountsAndGroupStatus() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let (a, b, c) = (try await gateway.user("a"), try await gateway.user("b"), try await gateway.user("c"))
            let chat = try await client.groupChat(a, with: [b, c])
            let m = try #require(
                try await client.call(.post, "/api/messages/\(chat)", as: a, json: #"{"body":"hi all"}"#).json["message"]?["_id"]?.stringValue
            )
            #expect(try await client.call(.get, "/api/chats/\(chat)", as: b).json["chat"]?["unreadCount"]?.intValue == 1)

            #expect(try await client.call(.post, "/api/messages/\(m)/read", as: b, json: #"{"messageIds":["\#(m)"]}"#).status == .ok)
            #expect(try await client.call(.get, "/api/chats/\(chat)", as: b).json["chat"]?["unreadCount"]?.intValue == 0)
            #expect(
                try await client.call(.get, "/api/messages/\(chat)", as: a).json["messages"]?[0]?["status"]?.stringValue == "sent",
                "one of two has read it"
            )
            _ = try await client.call(.post, "/api/messages/\(m)/read", as: c, json: #"{"messageIds":["\#(m)"]}"#)
            #expect(try await client.call(.get, "/api/messages/\(chat)", as: a).json["messages"]?[0]?["status"]?.stringValue == "read")

            let other = try await client.directChat(a, b)
            let elsewhere = try #require(
                try await client.call(.post, "/api/messages/\(other)", as: a, json: #"{"body":"dm"}"#).json["message"]?["_id"]?.stringValue
            )
            let mixed = try await client.call(.post, "/api/messages/\(m)/read", as: b, json: #"{"messageIds":["\#(elsewhere)"]}"#)
            expectError(mixed, 400, "VALIDATION_FAILED")
            #expect(mixed.detailPaths == ["body.messageIds"])
        }
    }
}

@Suite struct GatewayPolicyTests {
    @Test func corsSecurityHeadersAndRateLimits() async throws {
        let gateway = try TestGateway(rateLimitScale: 0.3)
        try await gateway.test { client in
            let preflight = try await client.call(
                .options,
                "/api/chats",
                headers: [.origin: "https://chat.example.com", .accessControlRequestMethod: "POST"]
            )
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://chat.example.com")
            #expect(preflight.headers[.accessControlAllowCredentials] == "true")
            let foreign = try await client.call(.get, "/healthz", headers: [.origin: "https://evil.example"])
            #expect(foreign.headers[.accessControlAllowOrigin] == nil)
            #expect(foreign.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(foreign.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(foreign.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(foreign.headers[.strictTransportSecurity] == nil, "no HSTS in development")

            // Login allows 10 a minute, scaled by 0.3: the fourth attempt is refused.
            var statuses: [Int] = []
            for _ in 0..<4 {
                statuses.append(
                    Int(try await client.call(.post, "/api/auth/login", json: #"{"email":"x@example.com","password":"whatever1"}"#).status.code)
                )
            }
            #expect(statuses == [401, 401, 401, 429])
            let limited = try await client.call(.post, "/api/auth/login", json: #"{"email":"x@example.com","password":"whatever1"}"#)
            expectError(limited, 429, "RATE_LIMITED")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
        }
    }
}
