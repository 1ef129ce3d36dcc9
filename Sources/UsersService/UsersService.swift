public import Coordination
public import Foundation
public import ParleyAPI
public import ParleyStore
import ServiceKit

/// Profiles, search, blocking and presence.
public struct UsersService: UsersAPI {
    let store: any UsersStore
    let presenceTracker: any PresenceTracker
    let now: @Sendable () -> Date

    public init(store: any UsersStore, presence: any PresenceTracker, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.presenceTracker = presence
        self.now = now
    }

    public func search(_ input: Users.Search.Input, context: APIContext) async throws -> APIResponse<UserSearchResponse> {
        // Every word of the query must start a word of the user (username or a name word); the store
        // narrows by the first word, the rest filter.
        let words = input.query.q.lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
        guard let first = words.first else { return APIResponse(UserSearchResponse(users: [])) }
        let limit = input.query.limit
        let candidates = try await store.users.search(prefix: first, viewer: input.caller.userId, limit: words.count == 1 ? limit : limit * 5)
        let matches = candidates.filter { user in
            let terms = user.searchTerms
            return words.dropFirst().allSatisfy { word in terms.contains { $0.hasPrefix(word) } }
        }
        return APIResponse(UserSearchResponse(users: matches.prefix(limit).map(\.publicUser)))
    }

    public func getById(_ input: Users.GetById.Input, context: APIContext) async throws -> APIResponse<UserResponse> {
        let user = try await visibleUser(input.path.id, to: input.caller.userId)
        return APIResponse(UserResponse(user: user.publicUser))
    }

    public func updateMe(_ input: Users.UpdateMe.Input, context: APIContext) async throws -> APIResponse<MeResponse> {
        let body = input.body
        let changes = ProfileChanges(name: body.name, avatarUrl: body.avatarUrl, about: body.about)
        guard let user = try await store.users.updateProfile(id: input.caller.userId, changes, at: now()) else {
            throw APIError.unauthorized("Unknown user")
        }
        return APIResponse(MeResponse(user: user.me))
    }

    public func blocked(_ input: Users.Blocked.Input, context: APIContext) async throws -> APIResponse<UserSearchResponse> {
        guard let me = try await store.users.find(id: input.caller.userId) else { throw APIError.unauthorized() }
        let users = try await store.users.find(ids: me.blocked)
        return APIResponse(UserSearchResponse(users: users.sorted { $0.name < $1.name }.map(\.publicUser)))
    }

    public func block(_ input: Users.Block.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        let target = try await otherUser(input.body.userId, caller: input.caller.userId)
        try await store.users.block(userId: input.caller.userId, target: target)
        return APIResponse(SuccessResponse(success: true))
    }

    public func unblock(_ input: Users.Unblock.Input, context: APIContext) async throws -> APIResponse<SuccessResponse> {
        let target = try await otherUser(input.body.userId, caller: input.caller.userId)
        try await store.users.unblock(userId: input.caller.userId, target: target)
        return APIResponse(SuccessResponse(success: true))
    }

    public func presence(_ input: Users.Presence.Input, context: APIContext) async throws -> APIResponse<ParleyAPI.Presence> {
        let user = try await visibleUser(input.path.id, to: input.caller.userId)
        let live = try await presenceTracker.presence(of: user.id)
        let lastSeen = [live?.lastSeen, user.lastSeen].compactMap { $0 }.max()
        return APIResponse(ParleyAPI.Presence(online: live?.online ?? false, lastSeen: lastSeen))
    }

    /// A user the caller may see: unknown users and users who blocked the caller are both 404.
    private func visibleUser(_ id: ObjectId, to caller: ObjectId) async throws -> UserRecord {
        guard let user = try await store.users.find(id: id), !user.blocked.contains(caller) else {
            throw APIError.notFound("No such user")
        }
        return user
    }

    private func otherUser(_ id: ObjectId, caller: ObjectId) async throws -> ObjectId {
        guard id != caller else { throw APIError.validation(path: "body.userId", "cannot be yourself") }
        guard try await store.users.find(id: id) != nil else { throw APIError.notFound("No such user") }
        return id
    }
}
