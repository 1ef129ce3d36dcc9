public import AuthService
import ChatsService
public import Coordination
import Foundation
public import Logging
public import MediaService
import MessagesService
public import NotificationsService
public import Outbound
public import ParleyAPI
public import ParleyStore
public import ServiceKit
public import ServiceLifecycle
import UsersService

/// The handlers behind the gateway, each reached through its generated protocol: the in-process service,
/// or the generated client of a service running in its own process.
public struct ServiceSet: Sendable {
    public var auth: any AuthAPI
    public var users: any UsersAPI
    public var chats: any ChatsAPI
    public var messages: any MessagesAPI
    public var media: any MediaAPI
    /// What other services ask of the media service.
    public var mediaInternal: any MediaInternalAPI
    public var notifications: any NotificationsAPI
    /// What other services ask of the notifications service.
    public var notificationsInternal: any NotificationsInternalAPI
    /// What other services ask of the users service.
    public var usersInternal: any UsersInternalAPI
    /// What other services ask of the chats service.
    public var chatsInternal: any ChatsInternalAPI
    /// What the realtime layer asks of the messages service.
    public var messagesInternal: any MessagesInternalAPI
    /// The embedded media storage's upload and download routes, when media is kept in the data folder: served here,
    /// or streamed through to the media service's process.
    public var mediaFiles: (any MediaFileRoutes)?
    /// The services in processes of their own, whose public routes the gateway passes through.
    var proxies: [ServiceName: ServiceProxy] = [:]
    /// What runs beside the server for these services (the push queue).
    public var background: [any Service]

    public init(
        auth: any AuthAPI,
        users: any UsersAPI,
        chats: any ChatsAPI,
        messages: any MessagesAPI,
        media: any MediaAPI,
        mediaInternal: any MediaInternalAPI,
        notifications: any NotificationsAPI,
        notificationsInternal: any NotificationsInternalAPI,
        usersInternal: any UsersInternalAPI,
        chatsInternal: any ChatsInternalAPI,
        messagesInternal: any MessagesInternalAPI,
        mediaFiles: (any MediaFileRoutes)? = nil,
        background: [any Service] = []
    ) {
        self.auth = auth
        self.users = users
        self.chats = chats
        self.messages = messages
        self.media = media
        self.mediaInternal = mediaInternal
        self.notifications = notifications
        self.notificationsInternal = notificationsInternal
        self.usersInternal = usersInternal
        self.chatsInternal = chatsInternal
        self.messagesInternal = messagesInternal
        self.mediaFiles = mediaFiles
        self.background = background
    }

    /// The services of a process: each one `remote` names is its generated client over that transport, every other one
    /// runs here over `store`. With nothing remote, the whole API runs in this process; with everything remote (a
    /// gateway in front of six service processes), `store` may be nil.
    public static func assemble(
        store: (any Store)?,
        tokens: TokenService,
        mailer: any Mailer,
        coordination: SharedState,
        events: any EventPublisher,
        mediaStorage: any MediaStorage,
        outbound: OutboundClient,
        push: @autoclosure () throws -> WebPushSender.Identity,
        secureCookies: Bool,
        remote: RemoteServices = RemoteServices(),
        logger: Logger
    ) throws -> ServiceSet {
        func ownStore() throws -> any Store {
            guard let store else { throw ConfigurationError("a service runs in this process but no store was opened") }
            return store
        }
        let users: any UsersAPI
        let usersInternal: any UsersInternalAPI
        if let transport = remote.users {
            users = UsersClient(transport: transport)
            usersInternal = UsersInternalClient(transport: transport)
        } else {
            let local = UsersService(store: try ownStore(), presence: coordination.presence)
            users = local
            usersInternal = local
        }
        var background: [any Service] = []
        let chats: any ChatsAPI
        let chatsInternal: any ChatsInternalAPI
        if let transport = remote.chats {
            chats = ChatsClient(transport: transport)
            let memberships = MembershipCache(chats: ChatsInternalClient(transport: transport), bus: coordination.bus, logger: logger)
            chatsInternal = memberships
            background.append(memberships)
        } else {
            let local = ChatsService(store: try ownStore(), users: usersInternal, events: events)
            chats = local
            chatsInternal = local
        }
        let media: any MediaAPI
        let mediaInternal: any MediaInternalAPI
        let mediaFiles: (any MediaFileRoutes)?
        var localMedia: MediaService?
        if let transport = remote.media {
            media = MediaClient(transport: transport)
            mediaInternal = MediaInternalClient(transport: transport)
            mediaFiles = mediaStorage is LocalStorage ? (transport as? ServiceTransport).map(MediaFileProxy.init) : nil
        } else {
            let store = try ownStore()
            let service = MediaService(store: store, storage: mediaStorage, previews: LinkPreviewer(client: outbound, cache: coordination.cache))
            media = service
            mediaInternal = service
            mediaFiles = (mediaStorage as? LocalStorage).map { MediaFiles(storage: $0, store: store) }
            localMedia = service
        }
        let notifications: any NotificationsAPI
        let notify: any NotificationsInternalAPI
        if let transport = remote.notifications {
            notifications = NotificationsClient(transport: transport)
            notify = NotificationsInternalClient(transport: transport)
        } else {
            let store = try ownStore()
            let local = NotificationsService(store: store, sender: WebPushSender(identity: try push(), client: outbound, store: store))
            notifications = local
            notify = local
        }
        let messages: any MessagesAPI
        let messagesInternal: any MessagesInternalAPI
        if let transport = remote.messages {
            messages = MessagesClient(transport: transport)
            messagesInternal = MessagesInternalClient(transport: transport)
        } else {
            let pushes = PushOnNewMessage(
                users: usersInternal,
                presence: coordination.presence,
                cache: coordination.cache,
                notifications: notify,
                logger: logger
            )
            background.append(pushes)
            let attachments: any MediaAttachments = localMedia ?? RemoteMediaAttachments(media: mediaInternal, logger: logger)
            let local = MessagesService(
                store: try ownStore(),
                chats: chatsInternal,
                users: usersInternal,
                events: events,
                media: attachments,
                notifier: pushes
            )
            messages = local
            messagesInternal = local
        }
        let auth: any AuthAPI =
            if let transport = remote.auth {
                AuthClient(transport: transport)
            } else {
                AuthService(store: try ownStore(), users: usersInternal, tokens: tokens, mailer: mailer, secureCookies: secureCookies)
            }
        var set = ServiceSet(
            auth: auth,
            users: users,
            chats: chats,
            messages: messages,
            media: media,
            mediaInternal: mediaInternal,
            notifications: notifications,
            notificationsInternal: notify,
            usersInternal: usersInternal,
            chatsInternal: chatsInternal,
            messagesInternal: messagesInternal,
            mediaFiles: mediaFiles,
            background: background
        )
        for (name, transport) in remote.transports {
            if let transport = transport as? ServiceTransport { set.proxies[name] = ServiceProxy(transport: transport) }
        }
        return set
    }

    /// Routes the gateway serves: every public service's (internal ones are never routed).
    public static let publicRoutes: [APIRouteDescriptor] =
        Auth.routes + Users.routes + Chats.routes + Messages.routes + Media.routes
        + Notifications.routes
}

/// The services a process reaches over HTTP, each by the transport to its own process.
public struct RemoteServices: Sendable {
    let transports: [ServiceName: any APITransport]

    public init(_ transports: [ServiceName: any APITransport] = [:]) { self.transports = transports }

    var auth: (any APITransport)? { transports[.auth] }
    var users: (any APITransport)? { transports[.users] }
    var chats: (any APITransport)? { transports[.chats] }
    var messages: (any APITransport)? { transports[.messages] }
    var media: (any APITransport)? { transports[.media] }
    var notifications: (any APITransport)? { transports[.notifications] }
}
