import Foundation
import HTTPTypes
import ParleyAPI
import Testing

@testable import Gateway

// Inputs an attacker or an unlucky client sends, each answered with the contract's error instead of a crash, a
// bypass or a value stored differently from the one acknowledged.

@Suite struct HardeningTests {
    @Test func cursorsWithImpossibleDatesAre400NotACrash() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let (a, b) = (try await gateway.user("a"), try await gateway.user("b"))
            let chat = try await client.directChat(a, b)
            for cursor in ["uf_________8AAAAAAAAAAAAAAAA", "pgAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
                expectError(try await client.call(.get, "/api/chats?cursor=\(cursor)", as: a), 400, "VALIDATION_FAILED")
            }
            for cursor in ["f_________8AAAAAAAAAAAAAAAA", "gAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
                expectError(try await client.call(.get, "/api/messages/\(chat)?cursor=\(cursor)", as: a), 400, "VALIDATION_FAILED")
            }
        }
    }

    @Test func deletingTheLatestMessageForMeShowsMeTheOneBeforeItAndCountsAreKept() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let (a, b, c) = (try await gateway.user("a"), try await gateway.user("b"), try await gateway.user("c"))
            let group = try await client.call(
                .post,
                "/api/chats",
                as: a,
                json: #"{"type":"group","title":"G","participantIds":["\#(b.id)","\#(c.id)"]}"#
            )
            let chat = try #require(group.json["chat"]?["_id"]?.stringValue)
            func send(_ body: String, as user: TestUser) async throws -> String {
                try #require(
                    try await client.call(.post, "/api/messages/\(chat)", as: user, json: json(["body": body])).json["message"]?["_id"]?.stringValue
                )
            }
            func listed(_ user: TestUser) async throws -> (preview: String?, unread: Int?) {
                let entry = try await client.call(.get, "/api/chats", as: user).json["chats"]?.arrayValue?.first { $0["_id"]?.stringValue == chat }
                return (entry?["lastMessageRef"]?["body"]?.stringValue, entry?["unreadCount"]?.intValue)
            }
            _ = try await send("one", as: a)
            let two = try await send("two", as: b)
            #expect(try await listed(a) == ("two", 1))
            #expect(try await listed(c) == ("two", 2))

            await gateway.events.clear()
            #expect(try await client.call(.delete, "/api/messages/\(two)", as: a).status == .ok)
            #expect(try await listed(a) == ("one", 0), "the preview is the newest message a can still see")
            #expect(try await listed(c) == ("two", 2))
            let updates = await gateway.events.published.compactMap { entry -> Chat? in
                guard case .chatUpdated(let chat) = entry.event, entry.rooms == [.user(a.id)] else { return nil }
                return chat
            }
            #expect(updates.map(\.lastMessageRef?.body) == ["one"], "a hears of its own new preview")
            let chatPage = try await client.call(.get, "/api/chats/\(chat)", as: a).json["chat"]
            #expect(chatPage?["lastMessageRef"]?["body"]?.stringValue == "one")

            #expect(try await client.call(.delete, "/api/messages/\(two)?forEveryone=true", as: b).status == .ok)
            #expect(try await listed(c) == ("one", 1), "a message deleted for everyone is no longer unread")
            #expect(try await listed(b) == ("one", 0), "sending read what came before")
        }
    }

    @Test func blockingStopsEditsAndReactionsInADirectChatBothWays() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let (a, b) = (try await gateway.user("a"), try await gateway.user("b"))
            let chat = try await client.directChat(a, b)
            let fromA = try #require(
                try await client.call(.post, "/api/messages/\(chat)", as: a, json: #"{"body":"hi"}"#).json["message"]?["_id"]?.stringValue
            )
            let fromB = try #require(
                try await client.call(.post, "/api/messages/\(chat)", as: b, json: #"{"body":"hey"}"#).json["message"]?["_id"]?.stringValue
            )
            #expect(try await client.call(.post, "/api/users/block", as: a, json: #"{"userId":"\#(b.id)"}"#).status == .ok)
            await gateway.events.clear()
            // The blocked user and the one who blocked: neither writes into the chat any more.
            for (user, own, other) in [(b, fromB, fromA), (a, fromA, fromB)] {
                expectError(try await client.call(.patch, "/api/messages/\(own)", as: user, json: #"{"body":"edited"}"#), 403, "FORBIDDEN")
                expectError(try await client.call(.post, "/api/messages/\(other)/react", as: user, json: #"{"emoji":"👍"}"#), 403, "FORBIDDEN")
                expectError(try await client.call(.post, "/api/messages/\(chat)", as: user, json: #"{"body":"x"}"#), 403, "FORBIDDEN")
            }
            #expect(await gateway.events.names().isEmpty, "nothing was pushed")
            let page = try await client.call(.get, "/api/messages/\(chat)", as: a)
            #expect(page.json["messages"]?.arrayValue?.map { $0["body"]?.stringValue } == ["hey", "hi"])
            #expect(page.json["messages"]?.arrayValue?.allSatisfy { $0["reactions"]?.arrayValue?.isEmpty == true } == true)
        }
    }

    @Test func aResentTempIdDoesNotRevealAMessageTheSenderCanNoLongerSee() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let (a, b, c) = (try await gateway.user("a"), try await gateway.user("b"), try await gateway.user("c"))
            let chat = try await client.groupChat(a, with: [b, c])
            #expect(try await client.call(.post, "/api/messages/\(chat)", as: b, json: #"{"body":"secret","tempId":"t1"}"#).status == .created)
            #expect(try await client.call(.delete, "/api/chats/\(chat)/members/\(b.id)", as: b).status == .ok)
            let resent = try await client.call(.post, "/api/messages/\(chat)", as: b, json: #"{"body":"secret","tempId":"t1"}"#)
            #expect(resent.status == .notFound, "no longer a member: \(resent.json.serialized())")

            let direct = try await client.directChat(a, c)
            let sent = try #require(
                try await client.call(.post, "/api/messages/\(direct)", as: c, json: #"{"body":"oops","tempId":"t2"}"#).json["message"]?["_id"]?
                    .stringValue
            )
            #expect(try await client.call(.delete, "/api/messages/\(sent)?forEveryone=true", as: c).status == .ok)
            let again = try await client.call(.post, "/api/messages/\(direct)", as: c, json: #"{"body":"oops","tempId":"t2"}"#)
            expectError(again, 409, "CONFLICT")
            #expect(again.json.serialized().contains("oops") == false)
        }
    }

    @Test func aMemberSeesTheMessagesFromWhenTheyJoined() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let (a, b, c) = (try await gateway.user("a"), try await gateway.user("b"), try await gateway.user("c"))
            let group = try await client.call(.post, "/api/chats", as: a, json: #"{"type":"group","title":"G","participantIds":["\#(b.id)"]}"#)
            let chat = try #require(group.json["chat"]?["_id"]?.stringValue)
            func send(_ body: String) async throws -> String {
                try #require(
                    try await client.call(.post, "/api/messages/\(chat)", as: a, json: json(["body": body])).json["message"]?["_id"]?.stringValue
                )
            }
            func bodies(_ user: TestUser) async throws -> [String] {
                try await client.call(.get, "/api/messages/\(chat)", as: user).json["messages"]?.arrayValue?.compactMap { $0["body"]?.stringValue }
                    ?? []
            }
            let before = try await send("before c")
            try await Task.sleep(for: .milliseconds(5))
            #expect(try await client.call(.post, "/api/chats/\(chat)/members", as: a, json: #"{"userId":"\#(c.id)"}"#).status == .ok)
            #expect(try await client.call(.get, "/api/chats/\(chat)", as: c).json["chat"]?["unreadCount"]?.intValue == 0)
            _ = try await send("welcome c")
            #expect(try await bodies(c) == ["welcome c"])
            #expect(try await bodies(b) == ["welcome c", "before c"])
            #expect(try await client.call(.get, "/api/chats/\(chat)", as: c).json["chat"]?["unreadCount"]?.intValue == 1)
            // What was said before is not reachable by id either.
            expectError(try await client.call(.post, "/api/messages/\(before)/react", as: c, json: #"{"emoji":"👍"}"#), 404, "NOT_FOUND")
            expectError(
                try await client.call(.post, "/api/messages/\(chat)", as: c, json: json(["body": "re", "replyToId": before])),
                400,
                "VALIDATION_FAILED"
            )
            expectError(
                try await client.call(.post, "/api/messages/\(before)/read", as: c, json: #"{"messageIds":["\#(before)"]}"#),
                404,
                "NOT_FOUND"
            )

            // Out and back in: what was said meanwhile, and before, stays unseen.
            #expect(try await client.call(.delete, "/api/chats/\(chat)/members/\(c.id)", as: a).status == .ok)
            _ = try await send("while c was out")
            try await Task.sleep(for: .milliseconds(5))
            #expect(try await client.call(.post, "/api/chats/\(chat)/members", as: a, json: #"{"userId":"\#(c.id)"}"#).status == .ok)
            _ = try await send("welcome back")
            #expect(try await bodies(c) == ["welcome back"])
        }
    }

    @Test func textFieldsAreBoundedByCodePointsAndRefuseControls() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let me = try await gateway.user("me")
            let zalgo = "a" + String(repeating: "\u{301}", count: 3000)
            for (field, value) in [
                ("name", zalgo), ("about", zalgo), ("name", "\u{0}"), ("name", "a\u{0}b"), ("name", "   "), ("about", "line\nbreak"),
            ] {
                let body = json([field: value])
                let reply = try await client.call(.patch, "/api/users/me", as: me, json: body)
                expectError(reply, 400, "VALIDATION_FAILED")
                #expect(reply.detailPaths == ["body.\(field)"], "\(field)=\(value.unicodeScalars.prefix(5).map(\.value))")
            }
            let fine = try await client.call(.patch, "/api/users/me", as: me, json: #"{"name":"Zoë 👩‍💻","about":"\u202Ehello"}"#)
            #expect(fine.status == .ok)
            #expect(fine.json["user"]?["name"]?.stringValue == "Zoë 👩‍💻")

            let other = try await gateway.user("other")
            let chat = try await client.directChat(me, other)
            let body = "before\u{0}after\ttab"
            let sent = try await client.call(.post, "/api/messages/\(chat)", as: me, json: json(["body": (body)]))
            #expect(sent.json["message"]?["body"]?.stringValue == body)
            let page = try await client.call(.get, "/api/messages/\(chat)", as: other)
            #expect(page.json["messages"]?[0]?["body"]?.stringValue == body, "stored as acknowledged")
            let tooLong = json(["body": ("a" + String(repeating: "\u{301}", count: 10_000))])
            expectError(try await client.call(.post, "/api/messages/\(chat)", as: me, json: tooLong), 400, "VALIDATION_FAILED")
        }
    }

    @Test func reactionsAreOneEmoji() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let (a, b) = (try await gateway.user("a"), try await gateway.user("b"))
            let chat = try await client.directChat(a, b)
            let message = try #require(
                try await client.call(.post, "/api/messages/\(chat)", as: a, json: #"{"body":"hi"}"#).json["message"]?["_id"]?.stringValue
            )
            for emoji in ["👍", "👍🏽", "👨‍👩‍👧", "🇫🇷", "1️⃣", "❤️", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"] {
                let reply = try await client.call(.post, "/api/messages/\(message)/react", as: b, json: json(["emoji": (emoji)]))
                #expect(reply.status == .ok, "\(emoji)")
                #expect(reply.json["message"]?["reactions"]?[0]?["emoji"]?.stringValue == emoji)
            }
            for emoji in ["not an emoji at all", "a", "1", "#", "👍👍", "👍 ", "\u{0}", "©"] {
                let reply = try await client.call(.post, "/api/messages/\(message)/react", as: b, json: json(["emoji": (emoji)]))
                expectError(reply, 400, "VALIDATION_FAILED")
            }
            #expect(try await client.call(.post, "/api/messages/\(message)/react", as: b, json: #"{"emoji":""}"#).json["message"]?["reactions"] == [])
        }
    }

    @Test func queryTextThatIsNotUTF8Is400() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let me = try await gateway.user("me")
            for q in ["%FF", "a%C3", "%", "%zz", "%E2%82"] {
                let reply = try await client.call(.get, "/api/users/search?q=\(q)", as: me)
                expectError(reply, 400, "VALIDATION_FAILED")
                #expect(reply.detailPaths == ["query.q"], "\(q)")
            }
            _ = try await gateway.user("joséphine")
            let found = try await client.call(.get, "/api/users/search?q=jos%C3%A9", as: me)
            #expect(found.json["users"]?.arrayValue?.compactMap { $0["username"]?.stringValue } == ["joséphine"])
        }
    }

    @Test func emailsAreOneAddressWhateverTheirNormalForm() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let nfc = "jos\u{E9}@example.com"
            let nfd = "jose\u{301}@example.com"
            let created = try await client.call(
                .post,
                "/api/auth/register",
                json: json(["username": "jose", "email": (nfc), "password": "correct horse", "name": "José"])
            )
            #expect(created.status == .created)
            let twin = try await client.call(
                .post,
                "/api/auth/register",
                json: json(["username": "jose2", "email": (nfd), "password": "correct horse", "name": "José"])
            )
            expectError(twin, 409, "CONFLICT")
            let login = try await client.call(.post, "/api/auth/login", json: json(["email": (nfd), "password": "correct horse"]))
            #expect(login.status == .ok)
            for email in [
                "jo\u{200B}se@example.com", "jose\u{0}@example.com", "jose\u{202E}@example.com", "jo se@example.com", "jose\u{7}@example.com",
            ] {
                let reply = try await client.call(
                    .post,
                    "/api/auth/register",
                    json: json(["username": "jose3", "email": (email), "password": "correct horse", "name": "J"])
                )
                expectError(reply, 400, "VALIDATION_FAILED")
                #expect(reply.detailPaths == ["body.email"])
            }
        }
    }

    @Test func passwordsCountEveryByteAndCommonOnesAreRefused() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let long = String(repeating: "A", count: 72)
            let created = try await client.call(
                .post,
                "/api/auth/register",
                json: json(["username": "longpw", "email": "long@example.com", "password": (long + "first"), "name": "L"])
            )
            #expect(created.status == .created)
            let wrong = try await client.call(.post, "/api/auth/login", json: json(["email": "long@example.com", "password": (long + "other")]))
            expectError(wrong, 401, "UNAUTHORIZED")
            #expect(
                try await client.call(.post, "/api/auth/login", json: json(["email": "long@example.com", "password": (long + "first")])).status == .ok
            )
            // bcrypt reads a C string: the bytes after a NUL count too.
            #expect(
                try await client.call(
                    .post,
                    "/api/auth/register",
                    json: json(["username": "nulpw", "email": "nul@example.com", "password": "abc\u{0}defghij", "name": "N"])
                ).status == .created
            )
            expectError(
                try await client.call(.post, "/api/auth/login", json: json(["email": "nul@example.com", "password": "abc\u{0}XXXXXXX"])),
                401,
                "UNAUTHORIZED"
            )

            for password in ["password123", "12345678", "Qwertyuiop", "        "] {
                let reply = try await client.call(
                    .post,
                    "/api/auth/register",
                    json: json(["username": "weak", "email": "weak@example.com", "password": (password), "name": "W"])
                )
                expectError(reply, 400, "VALIDATION_FAILED")
                #expect(reply.detailPaths == ["body.password"], "\(password)")
            }
        }
    }

    @Test func anAbsentBodyMayDefaultButANullOneIsRefused() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let (a, b) = (try await gateway.user("a"), try await gateway.user("b"))
            let chat = try await client.directChat(a, b)
            #expect(try await client.call(.post, "/api/chats/\(chat)/pin", as: a).status == .ok)
            expectError(try await client.call(.post, "/api/chats/\(chat)/pin", as: a, json: "null"), 400, "VALIDATION_FAILED")
            expectError(try await client.call(.patch, "/api/users/me", as: a, json: #"{"avatarUrl":"/<script>"}"#), 400, "VALIDATION_FAILED")
            expectError(try await client.call(.patch, "/api/users/me", as: a, json: #"{"avatarUrl":"https://"}"#), 400, "VALIDATION_FAILED")
            #expect(try await client.call(.patch, "/api/users/me", as: a, json: #"{"avatarUrl":"https://cdn.example.com/a%20b.png"}"#).status == .ok)
        }
    }

    @Test func aPreflightFromAnotherOriginIsAnsweredWithoutAGrant() async throws {
        let gateway = try TestGateway()
        try await gateway.test { client in
            let reply = try await client.call(
                .options,
                "/api/auth/login",
                headers: [.origin: "https://evil.example", .accessControlRequestMethod: "POST"]
            )
            #expect(reply.status == .noContent)
            #expect(reply.headers[.accessControlAllowOrigin] == nil)
            let allowed = try await client.call(
                .options,
                "/api/auth/login",
                headers: [.origin: "https://chat.example.com", .accessControlRequestMethod: "POST"]
            )
            #expect(allowed.status == .noContent)
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://chat.example.com")
        }
    }
}

/// A JSON object of strings, escaped by the project's own writer.
func json(_ fields: [String: String]) -> String {
    var object = JSONObject()
    for key in fields.keys.sorted() { object[key] = .string(fields[key] ?? "") }
    return JSONValue.object(object).serialized()
}

let forwardedForHeader = HTTPField.Name("X-Forwarded-For") ?? .via

@Suite struct ClientAddressTests {
    @Test func cidrsMatchTheirNetworksOnly() throws {
        let ten = try #require(CIDR("10.0.0.0/8"))
        #expect(ten.contains(try #require(PeerAddress("10.255.1.2"))))
        #expect(!ten.contains(try #require(PeerAddress("11.0.0.1"))))
        #expect(ten.contains(try #require(PeerAddress("::ffff:10.1.2.3"))), "IPv4-mapped IPv6 is the IPv4 address")
        let v6 = try #require(CIDR("2001:db8::/32"))
        #expect(v6.contains(try #require(PeerAddress("2001:db8:1::5"))))
        #expect(!v6.contains(try #require(PeerAddress("2001:db9::1"))))
        #expect(try #require(CIDR("192.168.1.7")).contains(try #require(PeerAddress("192.168.1.7"))))
        #expect(try #require(CIDR("172.16.0.0/12")).contains(try #require(PeerAddress("172.31.255.255"))))
        for bad in ["10.0.0.0/33", "10.0.0/8", "nonsense", "10.0.0.0/", "::/129", "10.0.0.0/-1"] { #expect(CIDR(bad) == nil, "\(bad)") }
    }

    @Test func theClientIsTheFirstUntrustedHopFromTheRight() async throws {
        let gateway = try TestGateway(rateLimitScale: 1, trustedProxies: ["127.0.0.1/32", "10.0.0.0/8"])
        try await gateway.test(.live) { client in
            // Each spoofed or real client address has its own login budget (10 a minute).
            func statuses(forwardedFor: String, count: Int) async throws -> [Int] {
                var result: [Int] = []
                for _ in 0..<count {
                    let reply = try await client.call(.post, "/api/auth/login", json: "{}", headers: [forwardedForHeader: forwardedFor])
                    result.append(Int(reply.status.code))
                }
                return result
            }
            let first = try await statuses(forwardedFor: "203.0.113.5", count: 11)
            #expect(first == Array(repeating: 400, count: 10) + [429])
            // A client cannot reset its budget by prepending a made-up address: the proxy appended the real one.
            let spoofed = try await statuses(forwardedFor: "198.51.100.1, 203.0.113.5", count: 1)
            let behindTwoProxies = try await statuses(forwardedFor: "198.51.100.1, 203.0.113.5, 10.1.1.1", count: 1)
            let another = try await statuses(forwardedFor: "198.51.100.9", count: 1)
            #expect(spoofed == [429])
            #expect(behindTwoProxies == [429])
            #expect(another == [400], "another client has its own budget")
        }
    }
}

@Suite struct DocumentedLimitsTests {
    /// The OpenAPI document states every rate limit the gateway enforces, with the same numbers.
    @Test func theOpenAPIDocumentStatesTheEnforcedLimits() throws {
        let document = try JSONParser.parse(Array(APIDocuments.openAPI.utf8))
        let description = try #require(document["info"]?["description"]?.stringValue)
        for (route, limit) in RateLimits.strict {
            #expect(description.contains("\(route) \(limit.count) per \(limit.window.components.seconds) s"), "\(route)")
        }
        for limit in [RateLimits.perAddress, RateLimits.perUser] {
            #expect(description.contains("every /api route \(limit.count) per \(limit.window.components.seconds) s"))
        }
    }
}
