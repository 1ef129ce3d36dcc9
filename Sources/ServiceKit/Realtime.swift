public import ParleyAPI

/// Who receives a realtime event: every socket of a user, or every member of a chat.
public enum Room: Sendable, Hashable, CustomStringConvertible {
    case user(ObjectId)
    case chat(ObjectId)

    /// The Socket.IO room name of the contract: `user:<id>`, `chat:<id>`.
    public var description: String {
        switch self {
        case .user(let id): "user:\(id)"
        case .chat(let id): "chat:\(id)"
        }
    }
}

/// Where services hand the changes other participants should see; the realtime gateway delivers them to
/// sockets on every instance. Publishing never fails a request: a change is stored before it is published.
public protocol EventPublisher: Sendable {
    /// Delivers `event` to the sockets in `rooms`, except those of `excluded` (who got their own copy).
    func publish(_ event: ServerEvent, to rooms: [Room], excluding excluded: ObjectId?) async
    /// Tells the processes that keep a chat's members (`MembershipCache`) that they changed.
    func membersChanged(chatId: ObjectId) async
}

extension EventPublisher {
    public func publish(_ event: ServerEvent, to rooms: [Room]) async { await publish(event, to: rooms, excluding: nil) }
}
