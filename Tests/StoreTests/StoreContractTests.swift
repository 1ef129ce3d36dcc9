import Foundation
import ParleyCore
import ParleyStore
import Testing

// One suite for the repository protocols, run against every engine in `StoreKind`.

func user(_ username: String, name: String = "Some One", email: String? = nil) -> UserRecord {
    UserRecord(username: username, email: email ?? "\(username)@example.com", name: name)
}

func expectDuplicate(_ key: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected a duplicate \(key)", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(error == .duplicate(key: key), sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
}

extension ChatRepository {
    /// One message, as most tests record them.
    func recordMessage(chatId: ObjectId, _ message: LastMessageRecord) async throws {
        try await recordMessages([RecordedMessage(chatId: chatId, message)])
    }
}

let t0 = Date(timeIntervalSince1970: 1_800_000_000)
func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

@Suite struct UserContractTests {
    @Test(arguments: StoreKind.allCases)
    func insertAndFind(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        var alice = user("alice", name: "Alice Liddell", email: "Alice@Example.COM")
        alice.contacts = [ObjectId()]
        try await store.users.insert(alice)
        #expect(try await store.users.find(id: alice.id) == alice)
        #expect(try await store.users.find(id: ObjectId()) == nil)
        #expect(try await store.users.find(ids: [alice.id, ObjectId()]).map(\.id) == [alice.id])
        try await store.migrate()  // idempotent
        #expect(try await store.users.find(id: alice.id) == alice)
    }

    @Test(arguments: StoreKind.allCases)
    func uniqueUsernameAndCaseInsensitiveEmail(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        try await store.users.insert(user("bob", email: "bob@example.com"))
        await expectDuplicate("username") { try await store.users.insert(user("bob", email: "other@example.com")) }
        await expectDuplicate("email") { try await store.users.insert(user("bobby", email: "BOB@example.com")) }
        await expectDuplicate("id") {
            var again = user("robert", email: "robert@example.com")
            again.id = try #require(try await store.users.search(prefix: "bob", viewer: ObjectId(), limit: 1).first).id
            try await store.users.insert(again)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func profileAndLastSeen(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let carol = user("carol", name: "Carol Ann")
        try await store.users.insert(carol)
        let updated = try #require(try await store.users.updateProfile(id: carol.id, ProfileChanges(name: "Caroline Smith", about: "hi"), at: at(10)))
        #expect(updated.name == "Caroline Smith")
        #expect(updated.about == "hi")
        #expect(updated.avatarUrl == nil)
        #expect(updated.updatedAt == at(10))
        #expect(try await store.users.search(prefix: "smi", viewer: ObjectId(), limit: 10).map(\.id) == [carol.id])
        #expect(try await store.users.search(prefix: "ann", viewer: ObjectId(), limit: 10).isEmpty, "old name words are forgotten")
        #expect(try await store.users.updateProfile(id: ObjectId(), ProfileChanges(name: "x"), at: at(10)) == nil)

        try await store.users.setLastSeen(id: carol.id, at(30))
        try await store.users.setLastSeen(id: carol.id, at(25))
        #expect(try await store.users.find(id: carol.id)?.lastSeen == at(30))
    }

    @Test(arguments: StoreKind.allCases)
    func relationsSayWhoBlockedWhom(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let (a, b, c) = (user("a1"), user("b1"), user("c1"))
        for u in [a, b, c] { try await store.users.insert(u) }
        let unknown = ObjectId()
        try await store.users.block(userId: a.id, target: b.id)
        try await store.users.block(userId: a.id, target: b.id)
        #expect(try await store.users.relations(of: a.id, to: [b.id, c.id, unknown]) == UserRelations(known: [b.id, c.id], blocking: [b.id]))
        #expect(try await store.users.relations(of: b.id, to: [a.id]) == UserRelations(known: [a.id], blockedBy: [a.id]))
        #expect(try await store.users.relations(of: c.id, to: [a.id, b.id]) == UserRelations(known: [a.id, b.id]))
        #expect(try await store.users.relations(of: a.id, to: []) == UserRelations())
        #expect(try await store.users.find(id: a.id)?.blocked == [b.id])
        try await store.users.unblock(userId: a.id, target: b.id)
        #expect(try await store.users.relations(of: a.id, to: [b.id]) == UserRelations(known: [b.id]))
    }

    @Test(arguments: StoreKind.allCases)
    func searchMatchesPrefixesOfUsernameAndNameWords(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let viewer = user("viewer", name: "Maria Viewer")
        let maria = user("maria", name: "Maria Lopez")
        let mario = user("mario_k", name: "Mario Kart")
        let jose = user("jose", name: "José María")
        let blocker = user("marian", name: "Marian Blocks")
        let blocked = user("marius", name: "Marius Blocked")
        for u in [viewer, maria, mario, jose, blocker, blocked] { try await store.users.insert(u) }
        try await store.users.block(userId: blocker.id, target: viewer.id)
        try await store.users.block(userId: viewer.id, target: blocked.id)

        #expect(
            try await store.users.search(prefix: "MAR", viewer: viewer.id, limit: 10).map(\.username) == ["jose", "maria", "mario_k"],
            "José María's second word starts with mar"
        )
        #expect(try await store.users.search(prefix: "lóp", viewer: viewer.id, limit: 10).isEmpty)
        #expect(try await store.users.search(prefix: "lop", viewer: viewer.id, limit: 10).map(\.username) == ["maria"])
        #expect(try await store.users.search(prefix: "marí", viewer: viewer.id, limit: 10).map(\.username) == ["jose"])
        #expect(try await store.users.search(prefix: "mar", viewer: viewer.id, limit: 1).map(\.username) == ["jose"])
        #expect(try await store.users.search(prefix: "view", viewer: viewer.id, limit: 10).isEmpty, "never the viewer")
        #expect(
            try await store.users.search(prefix: "mar", viewer: maria.id, limit: 10).map(\.username) == [
                "jose", "marian", "mario_k", "marius", "viewer",
            ]
        )
    }

    /// Text from clients is a value, never a query: operators, wildcards and SQL come back as literal misses.
    @Test(arguments: StoreKind.allCases)
    func inputNeverBecomesAnOperator(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let dave = user("dave", email: "dave@example.com")
        try await store.users.insert(dave)
        try await store.credentials.insert(CredentialRecord(userId: dave.id, email: dave.email, passwordHash: "hash"))
        for hostile in [#"{"$ne": null}"#, #"{"$gt": ""}"#, "%", "_", ".*", "' OR '1'='1", "dave@example.com' --", "\u{0}"] {
            #expect(try await store.credentials.find(email: hostile) == nil, "\(hostile)")
            #expect(try await store.users.search(prefix: hostile, viewer: ObjectId(), limit: 10).isEmpty, "\(hostile)")
        }
        let odd = user("odd", name: "Robert'); DROP TABLE users;--", email: "o@example.com")
        try await store.users.insert(odd)
        #expect(try await store.users.find(id: odd.id)?.name == "Robert'); DROP TABLE users;--")
        #expect(try await store.users.find(id: dave.id) != nil)
    }
}

@Suite struct CredentialContractTests {
    @Test(arguments: StoreKind.allCases)
    func insertFindByEitherKeyChangeAndDelete(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let id = ObjectId()
        let credential = CredentialRecord(userId: id, email: "Erin@Example.COM", passwordHash: "hash", createdAt: at(0))
        try await store.credentials.insert(credential)
        #expect(try await store.credentials.find(userId: id) == credential)
        #expect(try await store.credentials.find(email: "erin@example.com") == credential)
        #expect(try await store.credentials.find(email: "ERIN@EXAMPLE.COM")?.email == "Erin@Example.COM")
        #expect(try await store.credentials.find(userId: ObjectId()) == nil)
        await expectDuplicate("email") {
            try await store.credentials.insert(CredentialRecord(userId: ObjectId(), email: "ERIN@example.com", passwordHash: "other"))
        }

        try await store.credentials.setPasswordHash(userId: id, "new-hash", at: at(20))
        #expect(
            try await store.credentials.find(userId: id)
                == CredentialRecord(userId: id, email: "Erin@Example.COM", passwordHash: "new-hash", createdAt: at(0), updatedAt: at(20))
        )
        try await store.credentials.delete(userId: id)
        #expect(try await store.credentials.find(email: "erin@example.com") == nil)
        try await store.credentials.insert(CredentialRecord(userId: ObjectId(), email: "erin@example.com", passwordHash: "h"))
        #expect(try await store.credentials.find(email: "Erin@example.com") != nil, "a deleted credential's address is free")
    }
}

@Suite struct SessionContractTests {
    @Test(arguments: StoreKind.allCases)
    func rotationAndReplayDetection(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let userId = ObjectId()
        let session = SessionRecord(
            userId: userId,
            refreshTokenHash: "h1",
            userAgent: "ua",
            ipAddress: "127.0.0.1",
            createdAt: at(0),
            expiresAt: at(100)
        )
        try await store.sessions.insert(session)
        #expect(try await store.sessions.find(tokenHash: "h1") == .current(session))
        #expect(try await store.sessions.rotate(sessionId: session.id, from: "h1", to: "h2", expiresAt: at(200)))
        #expect(try await !store.sessions.rotate(sessionId: session.id, from: "h1", to: "h3", expiresAt: at(200)), "a token rotates once")
        var rotated = session
        rotated.refreshTokenHash = "h2"
        rotated.expiresAt = at(200)
        #expect(try await store.sessions.find(tokenHash: "h2") == .current(rotated))
        #expect(try await store.sessions.find(tokenHash: "h1") == .rotated(rotated))
        #expect(try await store.sessions.find(tokenHash: "nope") == nil)
        try await store.sessions.delete(id: session.id)
        #expect(try await store.sessions.find(tokenHash: "h2") == nil)
        #expect(try await store.sessions.find(tokenHash: "h1") == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func deleteAllAndExpired(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let (a, b) = (ObjectId(), ObjectId())
        try await store.sessions.insert(SessionRecord(userId: a, refreshTokenHash: "a1", userAgent: "", ipAddress: "", expiresAt: at(100)))
        try await store.sessions.insert(SessionRecord(userId: a, refreshTokenHash: "a2", userAgent: "", ipAddress: "", expiresAt: at(100)))
        try await store.sessions.insert(SessionRecord(userId: b, refreshTokenHash: "b1", userAgent: "", ipAddress: "", expiresAt: at(10)))
        try await store.sessions.insert(SessionRecord(userId: b, refreshTokenHash: "b2", userAgent: "", ipAddress: "", expiresAt: at(1000)))
        try await store.sessions.deleteAll(userId: a)
        #expect(try await store.sessions.find(tokenHash: "a1") == nil)
        #expect(try await store.sessions.find(tokenHash: "a2") == nil)
        try await store.sessions.deleteExpired(before: at(50))
        #expect(try await store.sessions.find(tokenHash: "b1") == nil)
        #expect(try await store.sessions.find(tokenHash: "b2") != nil)
    }

    @Test(arguments: StoreKind.allCases)
    func passwordResetTokensAreSingleUseAndExpire(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let userId = ObjectId()
        try await store.passwordResets.insert(PasswordResetRecord(tokenHash: "r1", userId: userId, createdAt: at(0), expiresAt: at(60)))
        try await store.passwordResets.insert(PasswordResetRecord(tokenHash: "r2", userId: userId, createdAt: at(0), expiresAt: at(60)))
        #expect(try await store.passwordResets.consume(tokenHash: "r1", at: at(30)) == userId)
        #expect(try await store.passwordResets.consume(tokenHash: "r1", at: at(31)) == nil)
        #expect(try await store.passwordResets.consume(tokenHash: "r2", at: at(61)) == nil)
        #expect(try await store.passwordResets.consume(tokenHash: "nope", at: at(1)) == nil)
    }
}

@Suite struct ChatContractTests {
    @Test(arguments: StoreKind.allCases)
    func directChatsAreUniquePerPair(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let (a, b) = (ObjectId(), ObjectId())
        let chat = ChatRecord(kind: .direct, participants: [a, b], createdAt: at(0))
        try await store.chats.insert(chat)
        await expectDuplicate("directKey") { try await store.chats.insert(ChatRecord(kind: .direct, participants: [b, a])) }
        let key = try #require(chat.directKey)
        #expect(try await store.chats.findDirect(key: key) == chat)
        #expect(try await store.chats.find(id: chat.id) == chat)
        let group1 = ChatRecord(kind: .group, participants: [a, b], admins: [a], title: "g")
        let group2 = ChatRecord(kind: .group, participants: [a, b], admins: [a], title: "g")
        try await store.chats.insert(group1)
        try await store.chats.insert(group2)
        #expect(Set(try await store.chats.chatIds(userId: b)) == [chat.id, group1.id, group2.id])
        // Presence goes to the other member of each direct chat, never to fellow group members.
        let c = ObjectId()
        try await store.chats.insert(ChatRecord(kind: .direct, participants: [c, b]))
        try await store.chats.insert(ChatRecord(kind: .group, participants: [b, ObjectId()], admins: [b], title: "h"))
        #expect(Set(try await store.chats.directPartners(userId: b)) == [a, c])
        #expect(try await store.chats.directPartners(userId: a) == [b])
        #expect(try await store.chats.directPartners(userId: ObjectId()).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func listingPinnedFirstThenRecentWithCursorAndArchive(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let me = ObjectId()
        var chats: [ChatRecord] = []
        for i in 0..<7 {
            let chat = ChatRecord(kind: .group, participants: [me, ObjectId()], admins: [me], title: "c\(i)", createdAt: at(Double(i)))
            try await store.chats.insert(chat)
            chats.append(chat)
        }
        try await store.chats.setPinned(chatId: chats[1].id, userId: me, true)
        try await store.chats.setPinned(chatId: chats[4].id, userId: me, true)
        try await store.chats.setArchived(chatId: chats[6].id, userId: me, true)
        try await store.chats.recordMessage(
            chatId: chats[0].id,
            LastMessageRecord(messageId: ObjectId(), body: "hi", senderId: me, createdAt: at(100))
        )

        var seen: [String] = []
        var cursor: ChatListKey?
        repeat {
            let page = try await store.chats.list(userId: me, archived: false, limit: 2, after: cursor)
            seen += page.map { $0.chat.title ?? "" }
            cursor = page.count == 2 ? page.last.map { ChatListKey(pinned: $0.state.pinned, updatedAt: $0.chat.updatedAt, id: $0.chat.id) } : nil
        } while cursor != nil
        #expect(seen == ["c4", "c1", "c0", "c5", "c3", "c2"])

        let archived = try await store.chats.list(userId: me, archived: true, limit: 10, after: nil)
        #expect(archived.map(\.chat.id) == [chats[6].id])
        #expect(archived.first?.state == ChatMemberState(pinned: false, archived: true))
        let first = try await store.chats.list(userId: me, archived: false, limit: 10, after: nil)
        #expect(first.first?.state.pinned == true)
        #expect(first.first { $0.chat.id == chats[0].id }?.chat.lastMessage?.body == "hi")
        #expect(try await store.chats.list(userId: ObjectId(), archived: false, limit: 10, after: nil).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func membershipAdminsAndMetadata(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let (a, b, c) = (ObjectId(), ObjectId(), ObjectId())
        let chat = ChatRecord(kind: .group, participants: [a, b], admins: [a], title: "team", createdAt: at(0))
        try await store.chats.insert(chat)
        var read = try #require(try await store.chats.addMember(chatId: chat.id, userId: c, at: at(5)))
        #expect(read.participants == [a, b, c], "join order is kept")
        #expect(read.updatedAt == at(5))
        await expectDuplicate("member") { _ = try await store.chats.addMember(chatId: chat.id, userId: c, at: at(6)) }
        #expect(try await store.chats.find(id: chat.id)?.participants == [a, b, c])
        let d = ObjectId()
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<5 { group.addTask { (try? await store.chats.addMember(chatId: chat.id, userId: d, at: at(6))) != nil } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1, "exactly one concurrent add succeeds")
        read = try #require(try await store.chats.removeMember(chatId: chat.id, userId: d, at: at(6)))
        #expect(read.participants == [a, b, c])
        read = try #require(try await store.chats.removeMember(chatId: chat.id, userId: a, at: at(7)))
        #expect(read.participants == [b, c])
        #expect(read.admins.isEmpty, "a removed member loses the admin role")
        read = try #require(try await store.chats.setAdmins(chatId: chat.id, [b], at: at(8)))
        #expect(read.admins == [b])
        read = try #require(try await store.chats.update(id: chat.id, title: "renamed", avatarUrl: nil, at: at(9)))
        #expect(read.title == "renamed")
        #expect(read.updatedAt == at(9))
        #expect(try await store.chats.memberState(chatId: chat.id, userId: a) == nil)
        #expect(try await store.chats.memberState(chatId: chat.id, userId: b) == ChatMemberState())
        #expect(try await store.chats.addMember(chatId: ObjectId(), userId: a, at: at(1)) == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func lastMessageAndReadPositionOnlyMoveForward(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let me = ObjectId()
        let chat = ChatRecord(kind: .direct, participants: [me, ObjectId()], createdAt: at(0))
        try await store.chats.insert(chat)
        let newer = LastMessageRecord(messageId: ObjectId(), body: "newer", senderId: me, createdAt: at(20))
        try await store.chats.recordMessage(chatId: chat.id, newer)
        try await store.chats.recordMessage(
            chatId: chat.id,
            LastMessageRecord(messageId: ObjectId(), body: "older", senderId: me, createdAt: at(10))
        )
        let read = try #require(try await store.chats.find(id: chat.id))
        #expect(read.lastMessage == newer)
        #expect(read.updatedAt == at(20))

        let edited = LastMessageRecord(messageId: newer.messageId, body: "edited", senderId: me, createdAt: at(20))
        try await store.chats.replaceLastMessage(chatId: chat.id, ifCurrent: ObjectId(), with: nil)
        #expect(try await store.chats.find(id: chat.id)?.lastMessage == newer, "only while it is the current one")
        try await store.chats.replaceLastMessage(chatId: chat.id, ifCurrent: newer.messageId, with: edited)
        #expect(try await store.chats.find(id: chat.id)?.lastMessage == edited)
        try await store.chats.replaceLastMessage(chatId: chat.id, ifCurrent: newer.messageId, with: nil)
        #expect(try await store.chats.find(id: chat.id)?.lastMessage == nil)

        let k2 = MessageKey(createdAt: at(20), id: ObjectId())
        try await store.chats.markRead(chatId: chat.id, userId: me, upTo: k2)
        try await store.chats.markRead(chatId: chat.id, userId: me, upTo: MessageKey(createdAt: at(10), id: ObjectId()))
        #expect(try await store.chats.memberState(chatId: chat.id, userId: me)?.lastRead == k2)
    }

    /// Several sends recorded in one call, over two chats and with one of them twice: each counts once, in its own
    /// chat, and each chat's latest is its newest.
    @Test(arguments: StoreKind.allCases)
    func messagesRecordedTogetherCountOnceEachInTheirOwnChat(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let (me, you) = (ObjectId(), ObjectId())
        let first = ChatRecord(kind: .direct, participants: [me, you], createdAt: at(0))
        let second = ChatRecord(kind: .direct, participants: [me, ObjectId()], createdAt: at(0))
        try await store.chats.insert(first)
        try await store.chats.insert(second)
        let messages = (1...3).map { (n: Int) in LastMessageRecord(messageId: ObjectId(), body: "m\(n)", senderId: me, createdAt: at(Double(n))) }
        try await store.chats.recordMessages([
            RecordedMessage(chatId: first.id, messages[0]), RecordedMessage(chatId: first.id, messages[1]),
            RecordedMessage(chatId: first.id, messages[0]), RecordedMessage(chatId: second.id, messages[2]),
        ])
        #expect(try await store.chats.memberState(chatId: first.id, userId: you)?.unreadCount == 2)
        #expect(try await store.chats.find(id: first.id)?.lastMessage == messages[1])
        #expect(try await store.chats.find(id: second.id)?.lastMessage == messages[2])
        try await store.chats.recordMessages([RecordedMessage(chatId: first.id, messages[1])])
        #expect(try await store.chats.memberState(chatId: first.id, userId: you)?.unreadCount == 2, "recorded again: counted once")
    }

    /// Sends, reads, deletions and membership keep every member's count equal to what they have left unread.
    @Test(arguments: StoreKind.allCases)
    func unreadCountersFollowSendsReadsAndDeletions(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let (me, you, late) = (ObjectId(), ObjectId(), ObjectId())
        let chat = ChatRecord(kind: .group, participants: [me, you], admins: [me], title: "g", createdAt: at(0))
        try await store.chats.insert(chat)
        func send(_ sender: ObjectId, at seconds: Double) async throws -> MessageRecord {
            let message = MessageRecord(chatId: chat.id, senderId: sender, body: "m", createdAt: at(seconds))
            try await store.messages.insert(message)
            try await store.chats.recordMessage(
                chatId: chat.id,
                LastMessageRecord(messageId: message.id, body: message.body, senderId: sender, createdAt: message.createdAt)
            )
            return message
        }
        func unread() async throws -> [Int] {
            let states = try await store.chats.memberStates(chatId: chat.id)
            return [me, you, late].map { states[$0]?.unreadCount ?? -1 }
        }
        let m1 = try await send(you, at: 10)
        _ = try await store.chats.addMember(chatId: chat.id, userId: late, at: at(15))
        let m2 = try await send(you, at: 20)
        let m3 = try await send(you, at: 30)
        #expect(try await unread() == [3, 0, 2], "the newcomer counts only what was sent since they joined")
        #expect(try await store.chats.memberState(chatId: chat.id, userId: you)?.lastRead == m3.key, "a sender has read up to their message")
        // A message recorded again (a send retried after the chats service failed) counts once.
        try await store.chats.recordMessage(
            chatId: chat.id,
            LastMessageRecord(messageId: m2.id, body: m2.body, senderId: you, createdAt: m2.createdAt)
        )
        #expect(try await unread() == [3, 0, 2])
        #expect(try await store.chats.memberState(chatId: chat.id, userId: me)?.unreadCount == 3)
        #expect(try await store.chats.list(userId: me, archived: false, limit: 5, after: nil).first?.state.unreadCount == 3)

        try await store.chats.markRead(chatId: chat.id, userId: me, upTo: m1.key)
        #expect(try await unread() == [2, 0, 2])

        try await store.messages.hide(id: m2.id, for: me)
        try await store.chats.uncount(chatId: chat.id, message: m2.key, sentBy: you, for: [me])
        #expect(try await unread() == [1, 0, 2])
        try await store.chats.markRead(chatId: chat.id, userId: me, upTo: m1.key)
        #expect(try await unread() == [1, 0, 2], "a recount agrees with the counter")

        try await store.messages.deleteForEveryone(id: m3.id)
        try await store.chats.uncount(chatId: chat.id, message: m3.key, sentBy: you, for: [me, you, late])
        #expect(try await unread() == [0, 0, 1])
        try await store.chats.uncount(chatId: chat.id, message: m1.key, sentBy: you, for: [late])
        #expect(try await unread() == [0, 0, 1], "a message from before joining never counted")

        _ = try await store.chats.removeMember(chatId: chat.id, userId: late, at: at(40))
        _ = try await store.chats.addMember(chatId: chat.id, userId: late, at: at(50))
        #expect(try await unread() == [0, 0, 0], "a member who comes back starts from nothing unread")
        _ = try await send(me, at: 55)
        _ = try await send(late, at: 60)
        #expect(try await unread() == [1, 2, 0], "a sender has read what came before their message")
        #expect(try await store.chats.memberStates(chatId: ObjectId()).isEmpty)
    }

    /// What a member who hid the latest message sees instead is kept with their state, follows edits of the message
    /// it shows, and goes with the member.
    @Test(arguments: StoreKind.allCases)
    func previewsStandInForAHiddenLatestMessage(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let (me, you, stranger) = (ObjectId(), ObjectId(), ObjectId())
        let chat = ChatRecord(kind: .group, participants: [me, you], admins: [me], title: "g", createdAt: at(0))
        try await store.chats.insert(chat)
        let shown = LastMessageRecord(messageId: ObjectId(), body: "older", senderId: you, createdAt: at(10))
        let hidden = LastMessageRecord(messageId: ObjectId(), body: "hidden", senderId: you, createdAt: at(20))
        try await store.chats.setPreviews(
            chatId: chat.id,
            [
                me: MemberPreviewRecord(replaces: hidden.messageId, message: shown),
                you: MemberPreviewRecord(replaces: hidden.messageId, message: nil),
                stranger: MemberPreviewRecord(replaces: hidden.messageId, message: shown),
            ]
        )
        #expect(
            try await store.chats.memberState(chatId: chat.id, userId: me)?.preview == MemberPreviewRecord(replaces: hidden.messageId, message: shown)
        )
        let states = try await store.chats.memberStates(chatId: chat.id)
        #expect(states[you]?.preview == MemberPreviewRecord(replaces: hidden.messageId, message: nil))
        #expect(states[stranger] == nil, "only members get a preview")
        #expect(try await store.chats.list(userId: me, archived: false, limit: 5, after: nil).first?.state.preview?.message == shown)

        let edited = LastMessageRecord(messageId: shown.messageId, body: "older, edited", senderId: you, createdAt: at(10))
        try await store.chats.updatePreviews(chatId: chat.id, showing: edited)
        try await store.chats.updatePreviews(
            chatId: chat.id,
            showing: LastMessageRecord(messageId: ObjectId(), body: "another", senderId: you, createdAt: at(10))
        )
        #expect(try await store.chats.memberState(chatId: chat.id, userId: me)?.preview?.message == edited)
        #expect(try await store.chats.memberState(chatId: chat.id, userId: you)?.preview?.message == nil)

        _ = try await store.chats.removeMember(chatId: chat.id, userId: me, at: at(30))
        _ = try await store.chats.addMember(chatId: chat.id, userId: me, at: at(40))
        #expect(try await store.chats.memberState(chatId: chat.id, userId: me)?.preview == nil, "a member who comes back starts afresh")
    }
}

@Suite struct MessageContractTests {
    func message(_ chat: ObjectId, from sender: ObjectId, _ body: String, at date: Date, tempId: String? = nil) -> MessageRecord {
        MessageRecord(chatId: chat, senderId: sender, body: body, tempId: tempId, createdAt: date)
    }

    @Test(arguments: StoreKind.allCases)
    func insertFindAndIdempotentTempId(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let (chat, me) = (ObjectId(), ObjectId())
        var full = message(chat, from: me, "hello", at: at(1), tempId: "t-1")
        full.media = MessageMediaRecord(kind: .audio, url: "/media/x", mediaId: ObjectId(), duration: 3.5)
        full.replyTo = ReplyRecord(messageId: ObjectId(), body: "earlier", senderId: ObjectId())
        full.reactions = [ReactionRecord(userId: me, emoji: "👍", createdAt: at(2))]
        try await store.messages.insert(full)
        #expect(try await store.messages.find(id: full.id) == full)
        #expect(try await store.messages.find(senderId: me, tempId: "t-1") == full)
        await expectDuplicate("tempId") { try await store.messages.insert(message(chat, from: me, "again", at: at(2), tempId: "t-1")) }
        try await store.messages.insert(message(chat, from: ObjectId(), "other sender, same tempId", at: at(2), tempId: "t-1"))
        try await store.messages.insert(message(chat, from: me, "no tempId", at: at(3)))
        try await store.messages.insert(message(chat, from: me, "no tempId either", at: at(4)))
        #expect(try await store.messages.find(ids: [full.id, ObjectId()]).map(\.id) == [full.id])
    }

    @Test(arguments: StoreKind.allCases)
    func pagesAreNewestFirstAndSkipHiddenMessages(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let (chat, me, other) = (ObjectId(), ObjectId(), ObjectId())
        var sent: [MessageRecord] = []
        for i in 0..<10 {
            let m = message(chat, from: i.isMultiple(of: 2) ? me : other, "m\(i)", at: at(Double(i / 2)))  // pairs share a millisecond
            try await store.messages.insert(m)
            sent.append(m)
        }
        try await store.messages.insert(message(ObjectId(), from: me, "elsewhere", at: at(3)))
        try await store.messages.hide(id: sent[3].id, for: me)
        try await store.messages.deleteForEveryone(id: sent[7].id)

        let expected = sent.filter { $0.id != sent[3].id && $0.id != sent[7].id }.sorted { $0.key > $1.key }.map(\.id)
        var seen: [ObjectId] = []
        var cursor: MessageKey?
        repeat {
            let page = try await store.messages.page(chatId: chat, viewer: me, since: nil, limit: 3, before: cursor)
            seen += page.map(\.id)
            cursor = page.count == 3 ? page.last?.key : nil
        } while cursor != nil
        #expect(seen == expected)
        #expect(
            try await store.messages.page(chatId: chat, viewer: other, since: nil, limit: 100, before: nil).count == 9,
            "hidden only for the one who deleted it"
        )
        #expect(try await store.messages.find(id: sent[3].id)?.deletedFor == [me])
    }

    @Test(arguments: StoreKind.allCases)
    func editReactReceiptsAndUnread(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let (chat, me, you) = (ObjectId(), ObjectId(), ObjectId())
        let first = message(chat, from: me, "one", at: at(1))
        let second = message(chat, from: me, "two", at: at(2))
        let third = message(chat, from: you, "three", at: at(3))
        for m in [first, second, third] { try await store.messages.insert(m) }

        let edited = try #require(try await store.messages.edit(id: first.id, body: "uno", at: at(10)))
        #expect(edited.body == "uno")
        #expect(edited.editedAt == at(10))

        _ = try await store.messages.setReaction(id: first.id, userId: you, emoji: "😀", at: at(11))
        var reacted = try #require(try await store.messages.setReaction(id: first.id, userId: you, emoji: "🎉", at: at(12)))
        #expect(reacted.reactions == [ReactionRecord(userId: you, emoji: "🎉", createdAt: at(12))], "one reaction per user")
        reacted = try #require(try await store.messages.setReaction(id: first.id, userId: you, emoji: nil, at: at(13)))
        #expect(reacted.reactions.isEmpty)

        let delivered = try await store.messages.markDelivered([
            MessageDelivery(messageId: first.id, userId: you), MessageDelivery(messageId: second.id, userId: you),
            MessageDelivery(messageId: third.id, userId: you),  // its sender: not a delivery
        ])
        #expect(Set(delivered.map(\.id)) == [first.id, second.id])
        #expect(delivered.allSatisfy { $0.deliveredTo == [you] })
        #expect(try await store.messages.markDelivered([MessageDelivery(messageId: first.id, userId: you)]).isEmpty, "once")
        #expect(try await store.messages.find(id: first.id)?.deliveredTo == [you])
        #expect(try await store.messages.markDelivered([]).isEmpty)
        let read = try await store.messages.markRead(ids: [first.id, third.id], by: you)
        #expect(read.first { $0.id == first.id }?.readBy == [you])
        #expect(read.first { $0.id == third.id }?.readBy == [], "a sender does not read their own message")
        try await store.messages.setStatus(ids: [first.id], .read)
        #expect(try await store.messages.find(id: first.id)?.status == .read)

        try await store.messages.hide(id: third.id, for: me)
        #expect(try await store.messages.hidden(among: [first.id, second.id, third.id], for: me) == [third.id])
        #expect(try await store.messages.hidden(among: [first.id, third.id], for: you).isEmpty)
        #expect(try await store.messages.hidden(among: [], for: me).isEmpty)
    }

    /// Many senders at once into one chat, while a reader pages back through history: every message is
    /// seen exactly once, in order, and nothing sent during the paging leaks into older pages.
    @Test(arguments: StoreKind.allCases)
    func concurrentSendsThenPaginationSeesEachOnce(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let chat = ObjectId()
        let senders = 64
        let perSender = 8
        let ids = try await withThrowingTaskGroup(of: [ObjectId].self) { group in
            for _ in 0..<senders {
                group.addTask {
                    let me = ObjectId()
                    var mine: [ObjectId] = []
                    for i in 0..<perSender {
                        let m = MessageRecord(chatId: chat, senderId: me, body: "\(i)", tempId: "t\(i)")
                        try await store.messages.insert(m)
                        mine.append(m.id)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: Set<ObjectId>()) { $0.formUnion($1) }
        }
        #expect(ids.count == senders * perSender)

        let latecomer = Task {
            for i in 0..<50 {
                try await store.messages.insert(
                    MessageRecord(chatId: chat, senderId: ObjectId(), body: "late \(i)", createdAt: Date().addingTimeInterval(60))
                )
            }
        }
        // The reader's first page was taken before the latecomers: they are newer than its cursor.
        var seen: [MessageRecord] = []
        var cursor: MessageKey? = MessageKey(createdAt: Date().addingTimeInterval(30), id: ObjectId())
        repeat {
            let page = try await store.messages.page(chatId: chat, viewer: ObjectId(), since: nil, limit: 37, before: cursor)
            seen += page
            cursor = page.count == 37 ? page.last?.key : nil
        } while cursor != nil
        try await latecomer.value
        #expect(seen.count == ids.count)
        #expect(Set(seen.map(\.id)) == ids)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.key > $1.key }, "strictly newest first")
    }
}

@Suite struct MediaAndPushContractTests {
    @Test(arguments: StoreKind.allCases)
    func mediaRecords(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let media = MediaRecord(
            userId: ObjectId(),
            fileName: "cat.png",
            fileType: "image/png",
            fileSize: 1234,
            storageKey: "u/cat.png",
            url: "/media/u/cat.png"
        )
        try await store.media.insert(media)
        #expect(try await store.media.find(id: media.id) == media)
        #expect(try await store.media.find(id: ObjectId()) == nil)

        let arrival = Date()
        #expect(try await store.media.markUploaded(id: media.id, at: arrival))
        #expect(try await store.media.markUploaded(id: media.id, at: Date()) == false, "an upload is accepted once")
        #expect(try await store.media.markUploaded(id: ObjectId(), at: Date()) == false)
        #expect(try await store.media.find(id: media.id)?.uploadedAt == arrival.storePrecision)
    }

    @Test(arguments: StoreKind.allCases)
    func pushEndpointsAreUniqueAndMoveToTheLatestSubscriber(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let (a, b) = (ObjectId(), ObjectId())
        try await store.pushSubscriptions.upsert(PushSubscriptionRecord(userId: a, endpoint: "https://push.example/1", p256dh: "k1", auth: "a1"))
        try await store.pushSubscriptions.upsert(PushSubscriptionRecord(userId: a, endpoint: "https://push.example/2", p256dh: "k2", auth: "a2"))
        try await store.pushSubscriptions.upsert(PushSubscriptionRecord(userId: b, endpoint: "https://push.example/1", p256dh: "k3", auth: "a3"))
        #expect(try await store.pushSubscriptions.find(userId: a).map(\.endpoint) == ["https://push.example/2"])
        let moved = try await store.pushSubscriptions.find(userId: b)
        #expect(moved.map(\.endpoint) == ["https://push.example/1"])
        #expect(moved.first?.p256dh == "k3")
        try await store.pushSubscriptions.delete(endpoint: "https://push.example/1", ownedBy: a)
        #expect(try await store.pushSubscriptions.find(userId: b).count == 1, "only its owner unsubscribes an endpoint")
        try await store.pushSubscriptions.delete(endpoint: "https://push.example/1", ownedBy: b)
        #expect(try await store.pushSubscriptions.find(userId: b).isEmpty)
        try await store.pushSubscriptions.delete(endpoint: "https://push.example/2", ownedBy: nil)
        #expect(try await store.pushSubscriptions.find(userId: a).isEmpty)
    }
}

/// A cursor as the server writes one, for any milliseconds.
func cursor(milliseconds: Int64) -> String {
    withUnsafeBytes(of: milliseconds.bigEndian) { Base64URL.encode(Array($0) + [UInt8](repeating: 7, count: 12)) }
}

@Suite struct CursorTests {
    @Test func messageCursorsRoundTripAndRejectForgeries() throws {
        let key = MessageKey(createdAt: Date(timeIntervalSince1970: 1_800_000_000.123), id: ObjectId())
        #expect(MessageKey(cursor: key.cursor) == key)
        #expect(key.cursor.count == 27)
        for bad in [
            "", "abc", String(repeating: "A", count: 28), key.cursor.replacingOccurrences(of: key.cursor.prefix(1), with: "*"), #"{"$gt":""}"#,
        ] {
            #expect(MessageKey(cursor: bad) == nil, "\(bad)")
        }
        let chat = ChatListKey(pinned: true, updatedAt: Date(timeIntervalSince1970: 5), id: ObjectId())
        #expect(ChatListKey(cursor: chat.cursor) == chat)
        #expect(ChatListKey(cursor: "x" + chat.cursor.dropFirst()) == nil)
    }

    /// Cursors that decode but carry a date no store holds (the first once crashed the server with SIGILL), and those
    /// one millisecond past either end of the storable years.
    @Test(arguments: [
        "f_________8AAAAAAAAAAAAAAAA", "gAAAAAAAAAAAAAAAAAAAAAAAAAA",
        cursor(milliseconds: Date.storableMilliseconds.upperBound + 1), cursor(milliseconds: Date.storableMilliseconds.lowerBound - 1),
    ])
    func cursorsWithImpossibleDatesAreRefused(cursor: String) {
        #expect(MessageKey(cursor: cursor) == nil)
        #expect(ChatListKey(cursor: "u" + cursor) == nil)
        #expect(ChatListKey(cursor: "p" + cursor) == nil)
    }

    /// Fuzzing the decoder: random text, random bytes as base64url, and mutations of a good cursor never trap, and
    /// whatever decodes encodes back to itself.
    @Test func cursorDecodingSurvivesFuzzing() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/.%é\u{0}")
        let good = MessageKey(createdAt: Date(), id: ObjectId()).cursor
        for round in 0..<20_000 {
            let text: String
            switch round % 3 {
            case 0: text = String((0..<Int.random(in: 0...30, using: &generator)).map { _ in alphabet.randomElement(using: &generator) ?? "A" })
            case 1: text = Base64URL.encode((0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) })
            default:
                var characters = Array(good)
                characters[Int.random(in: 0..<characters.count, using: &generator)] = alphabet.randomElement(using: &generator) ?? "A"
                text = String(characters)
            }
            if let key = MessageKey(cursor: text) {
                #expect(Date.storableMilliseconds.contains(key.createdAt.millisecondsSince1970))
                #expect(MessageKey(cursor: key.cursor) == key, "\(text)")
            }
            _ = ChatListKey(cursor: "u" + text)
        }
    }

    @Test func theStorableYearsRoundTrip() {
        for milliseconds in [Date.storableMilliseconds.lowerBound, -1, 0, 1_800_000_000_123, Date.storableMilliseconds.upperBound] {
            #expect(MessageKey(cursor: cursor(milliseconds: milliseconds))?.createdAt.millisecondsSince1970 == milliseconds)
        }
    }

    @Test func datesOutsideTheStorableYearsClampInsteadOfTrapping() {
        for seconds in [Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude, .infinity, -.infinity, .nan, 9.3e15, -9.3e15] {
            let milliseconds = Date(timeIntervalSince1970: seconds).millisecondsSince1970
            #expect(Date.storableMilliseconds.contains(milliseconds), "\(seconds)")
        }
    }
}

/// What a store is given is what it gives back, byte for byte: NUL, controls, combining marks, RTL marks, 4-byte emoji.
@Suite struct TextFidelityContractTests {
    static let hostile = ["before\u{0}after", "\u{0}", "tab\tnew\nline\r", "e\u{301}\u{301}", "\u{202E}gpj.exe", "👨‍👩‍👧 🇫🇷 1️⃣", "\u{7F}\u{85}\u{FEFF}"]

    @Test(arguments: StoreKind.allCases)
    func everyTextFieldRoundTrips(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        for (i, text) in Self.hostile.enumerated() {
            var record = user("fidelity\(i)", name: text, email: "fidelity\(i)\(text)@example.com")
            record.about = text
            try await store.users.insert(record)
            let stored = try #require(try await store.users.find(id: record.id))
            #expect(stored.name == text && stored.about == text && stored.email == record.email, "\(text.unicodeScalars.map(\.value))")
            let credential = CredentialRecord(userId: record.id, email: record.email, passwordHash: text)
            try await store.credentials.insert(credential)
            #expect(try await store.credentials.find(email: record.email) == credential)

            let chat = ChatRecord(kind: .group, participants: [record.id], admins: [record.id], title: text)
            try await store.chats.insert(chat)
            #expect(try await store.chats.find(id: chat.id)?.title == text)

            let message = MessageRecord(chatId: chat.id, senderId: record.id, body: text, tempId: "t\(i)\(text)")
            try await store.messages.insert(message)
            #expect(try await store.messages.find(id: message.id)?.body == text)
            #expect(try await store.messages.find(senderId: record.id, tempId: "t\(i)\(text)")?.id == message.id)
            let edited = try await store.messages.edit(id: message.id, body: text + text, at: at(1))
            #expect(edited?.body == text + text)
            #expect(try await store.messages.setReaction(id: message.id, userId: record.id, emoji: text, at: at(2))?.reactions.first?.emoji == text)
        }
    }
}

@Suite struct PasswordResetContractTests {
    @Test(arguments: StoreKind.allCases)
    func aResetUsesUpEveryOutstandingTokenOfTheUser(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let (alice, bob) = (ObjectId(), ObjectId())
        for (hash, owner) in [("a1", alice), ("a2", alice), ("b1", bob)] {
            try await store.passwordResets.insert(PasswordResetRecord(tokenHash: hash, userId: owner, createdAt: at(0), expiresAt: at(3600)))
        }
        #expect(try await store.passwordResets.consume(tokenHash: "a2", at: at(10)) == alice)
        #expect(try await store.passwordResets.consume(tokenHash: "a1", at: at(20)) == nil, "the older token died with the reset")
        #expect(try await store.passwordResets.consume(tokenHash: "a2", at: at(30)) == nil)
        #expect(try await store.passwordResets.consume(tokenHash: "b1", at: at(40)) == bob, "another user's token is untouched")
    }
}

@Suite struct MembershipTimeContractTests {
    @Test(arguments: StoreKind.allCases)
    func joinTimesRoundTripAndBoundPages(kind: StoreKind) async throws {
        let store = try await makeStore(kind)
        let (a, b, c) = (ObjectId(), ObjectId(), ObjectId())
        let chat = ChatRecord(kind: .group, participants: [a, b], admins: [a], title: "G", createdAt: at(0))
        try await store.chats.insert(chat)
        #expect(try await store.chats.find(id: chat.id)?.joinedAt == [a: at(0), b: at(0)])
        for second in [1.0, 2.0, 4.0] {
            try await store.messages.insert(MessageRecord(chatId: chat.id, senderId: a, body: "\(second)", createdAt: at(second)))
        }
        let added = try #require(try await store.chats.addMember(chatId: chat.id, userId: c, at: at(2)))
        #expect(added.joinedAt[c] == at(2))
        #expect(try await store.chats.find(id: chat.id)?.joinedAt[c] == at(2))
        let page = try await store.messages.page(chatId: chat.id, viewer: c, since: at(2), limit: 10, before: nil)
        #expect(page.map(\.body) == ["4.0", "2.0"])
        _ = try await store.chats.removeMember(chatId: chat.id, userId: c, at: at(5))
        let again = try #require(try await store.chats.addMember(chatId: chat.id, userId: c, at: at(6)))
        #expect(again.joinedAt[c] == at(6))
        #expect(again.joinedAt[a] == at(0))
    }
}
