public import ParleyAPI

extension UsersInternalAPI {
    /// How `others` stand to `user`, from the users service.
    public func relations(of user: ObjectId, to others: [ObjectId], context: APIContext) async throws -> Relations {
        try await relations(.init(body: RelationsRequest(userId: user, otherIds: others)), context: context).body
    }
}

extension Relations {
    /// Whether any of them blocked the user or was blocked by them.
    public var anyBlocked: Bool { !blocking.isEmpty || !blockedBy.isEmpty }
}
