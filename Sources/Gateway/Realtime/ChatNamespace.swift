import Coordination
import Foundation
import Logging
import ParleyAPI
import ServiceKit
import SocketIO

/// The chat on Socket.IO's default namespace: a socket authenticates with its access token (`auth.token`), joins
/// `user:<id>` and `chat:<id>` of each of its chats, and sends the contract's client events, which run through the
/// same services as REST and are acknowledged with their outcome.
struct ChatNamespace: NamespaceHandler {
    let services: ServiceSet
    let events: any EventPublisher
    let security: any APISecurity
    let presence: any PresenceTracker
    let typing: TypingTimers
    let limits: SocketLimits
    let logger: Logger

    func connect(_ socket: Socket, auth: JSONValue?) async throws {
        guard let token = auth?["token"]?.stringValue, !token.isEmpty else { throw Self.unauthorized("An access token is required") }
        let caller: Caller
        do {
            caller = try await security.authenticate(bearer: token, context: context(for: socket))
        } catch let error as APIError {
            throw Self.unauthorized(error.message)
        }
        let userRoom = Room.user(caller.userId).description
        // A recovered socket is already in its rooms: they must be this user's, and it does not count against itself.
        if socket.recovered, socket.rooms.contains(where: { $0.hasPrefix("user:") && $0 != userRoom }) {
            throw Self.unauthorized("The session belongs to another user")
        }
        guard socket.namespace.sockets(in: [userRoom]).count(where: { $0 !== socket }) < limits.socketsPerUser else {
            throw SocketConnectionRefused("Too many connections", data: ["code": .string(ErrorCode.rateLimited.rawValue)])
        }
        socket.data = caller
        socket.join(userRoom)
        // From the chats service, not the recovered session: membership may have changed while the socket was away.
        let chats = Set(try await userChats(caller.userId, context: context(for: socket)).chatIds.map { Room.chat($0).description })
        for room in socket.rooms where room.hasPrefix("chat:") && !chats.contains(room) { socket.leave(room) }
        for room in chats { socket.join(room) }
    }

    func event(_ name: String, _ arguments: SocketArguments, from socket: Socket) async -> SocketArguments {
        guard let caller = socket.data as? Caller else { return [] }
        let context = context(for: socket)
        if let refusal = await limits.refusal(for: socket) { return SocketArguments([Self.failure(refusal, context: context)]) }
        do {
            let event = try ClientEvent.decode(name: name, payload: arguments.values.first ?? .object(JSONObject()))
            let handler = ChatEvents(socket: socket, services: services, events: events, typingTimers: typing)
            guard let ack = try await handler.handle(event, caller: caller, context: context) else { return [] }
            return SocketArguments([try JSONParser.parse(ack.jsonBytes)])
        } catch {
            return SocketArguments([Self.failure(error, context: context)])
        }
    }

    /// The user's first socket, on any instance, brings them online for their contacts.
    func connected(_ socket: Socket) async {
        guard let caller = socket.data as? Caller else { return }
        ParleyMetrics.socketsOpen.increment()
        let now = Date()
        do {
            if try await presence.connected(caller.userId, at: now) == 1 {
                try await announce(caller.userId, online: true, lastSeen: now, context: context(for: socket))
            }
        } catch {
            logger.warning("presence not recorded", metadata: ["error": "\(error)"])
        }
    }

    /// The user's last socket, on any instance, takes them offline, seen last now.
    func disconnected(_ socket: Socket, reason: String) async {
        guard let caller = socket.data as? Caller else { return }
        ParleyMetrics.socketsOpen.decrement()
        let now = Date()
        do {
            guard try await presence.disconnected(caller.userId, at: now) == 0 else { return }
            _ = try await services.usersInternal.seen(.init(body: SeenRequest(userId: caller.userId, at: now)), context: context(for: socket))
            try await announce(caller.userId, online: false, lastSeen: now, context: context(for: socket))
        } catch {
            logger.warning("presence not recorded", metadata: ["error": "\(error)"])
        }
    }

    /// `presence:update` to the user's contacts: the other member of each of their direct chats.
    private func announce(_ user: ObjectId, online: Bool, lastSeen: Date, context: APIContext) async throws {
        let contacts = try await userChats(user, context: context).directPartners
        guard !contacts.isEmpty else { return }
        let update = PresenceUpdateEvent(userId: user, online: online, lastSeen: lastSeen)
        await events.publish(.presenceUpdate(update), to: contacts.map { .user($0) })
    }

    private func userChats(_ user: ObjectId, context: APIContext) async throws -> UserChats {
        try await services.chatsInternal.userChats(.init(body: UserIdRequest(userId: user)), context: context).body
    }

    private func context(for socket: Socket) -> APIContext {
        var logger = logger
        logger[metadataKey: "socket"] = "\(socket.id)"
        return APIContext(
            requestID: socket.id,
            logger: logger,
            remoteAddress: socket.request.remoteAddress,
            userAgent: socket.request.headers[.userAgent]
        )
    }

    static func unauthorized(_ message: String) -> SocketConnectionRefused {
        SocketConnectionRefused(message, data: ["code": .string(ErrorCode.unauthorized.rawValue)])
    }

    /// `{ok: false, error: {code, message}}`: what a client gets for an event that failed, never silence.
    static func failure(_ error: any Error, context: APIContext) -> JSONValue {
        let apiError: APIError
        switch error {
        case let error as APIError: apiError = error
        case let error as any APIErrorConvertible: apiError = error.apiError
        default: apiError = .internal
        }
        if apiError.status.code >= 500 {
            context.logger.error("socket event failed", metadata: ["error": "\(String(reflecting: error))"])
        }
        var failure = JSONObject(["code": .string(apiError.code), "message": .string(apiError.message)])
        if let details = apiError.details, !details.isEmpty {
            failure["details"] = .array(details.map { ["path": .string($0.path), "message": .string($0.message)] })
        }
        return ["ok": false, "error": .object(failure)]
    }
}

/// The client events of the contract for one socket, each as the matching REST route does it.
struct ChatEvents: ClientEventHandler {
    let socket: Socket
    let services: ServiceSet
    let events: any EventPublisher
    let typingTimers: TypingTimers

    func authHello(_ payload: AuthHelloPayload, caller: Caller, context: APIContext) async throws -> MeResponse {
        try await services.auth.me(Auth.Me.Input(caller: caller), context: context).body
    }

    func messageSend(_ payload: SendMessageEvent, caller: Caller, context: APIContext) async throws -> MessageSendAck {
        let body = SendMessageRequest(body: payload.body, mediaId: payload.mediaId, replyToId: payload.replyToId, tempId: payload.tempId)
        let sent = try await services.messages.send(
            Messages.Send.Input(caller: caller, path: .init(chatId: payload.chatId), body: body),
            context: context
        )
        return MessageSendAck(ok: true, tempId: payload.tempId, message: sent.body.message)
    }

    func messageRead(_ payload: MarkReadEvent, caller: Caller, context: APIContext) async throws -> OkAck {
        let read = ReadRequest(userId: caller.userId, chatId: payload.chatId, messageIds: payload.messageIds)
        _ = try await services.messagesInternal.read(.init(body: read), context: context)
        return OkAck(ok: true)
    }

    func typingStart(_ payload: ChatRoomPayload, caller: Caller, context: APIContext) async throws {
        try await typing(payload.chatId, caller: caller, isTyping: true, context: context)
    }

    func typingStop(_ payload: ChatRoomPayload, caller: Caller, context: APIContext) async throws {
        try await typing(payload.chatId, caller: caller, isTyping: false, context: context)
    }

    func reactionSet(_ payload: SetReactionEvent, caller: Caller, context: APIContext) async throws -> MessageAck {
        let input = Messages.React.Input(caller: caller, path: .init(messageId: payload.messageId), body: ReactRequest(emoji: payload.emoji))
        return MessageAck(ok: true, message: try await services.messages.react(input, context: context).body.message)
    }

    func chatCreate(_ payload: CreateChatRequest, caller: Caller, context: APIContext) async throws -> ChatAck {
        ChatAck(ok: true, chat: try await services.chats.create(Chats.Create.Input(caller: caller, body: payload), context: context).body.chat)
    }

    func chatJoin(_ payload: ChatRoomPayload, caller: Caller, context: APIContext) async throws -> OkAck {
        _ = try await services.chatsInternal.chat(payload.chatId, member: caller.userId, context: context)
        socket.join(Room.chat(payload.chatId).description)
        return OkAck(ok: true)
    }

    func chatLeave(_ payload: ChatRoomPayload, caller: Caller, context: APIContext) async throws -> OkAck {
        socket.leave(Room.chat(payload.chatId).description)
        return OkAck(ok: true)
    }

    /// Typing is shown to the chat's other members; only members may say it.
    private func typing(_ chatId: ObjectId, caller: Caller, isTyping: Bool, context: APIContext) async throws {
        _ = try await services.chatsInternal.chat(chatId, member: caller.userId, context: context)
        let key = TypingTimers.Key(chatId: chatId, userId: caller.userId)
        let events = events
        @Sendable func publish(_ isTyping: Bool) async {
            let update = TypingUpdateEvent(chatId: chatId, userId: caller.userId, isTyping: isTyping)
            await events.publish(.typingUpdate(update), to: [.chat(chatId)], excluding: caller.userId)
        }
        if isTyping {
            typingTimers.started(key) { await publish(false) }
        } else {
            typingTimers.stopped(key)
        }
        await publish(isTyping)
    }
}
