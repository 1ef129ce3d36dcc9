import AuthService
import ChatsService
import Coordination
import Foundation
import Logging
import MediaService
import MessagesService
import NotificationsService
import Outbound
import ParleyAPI
import ParleyStore
import ServiceKit
import ServiceLifecycle
import UsersService

/// The handlers behind the gateway, each reached through its generated protocol: the in-process service,
/// or the generated client of a service running in its own process.
public struct ServiceSet: Sendable {
    public var auth: any AuthAPI
    public var users: any UsersAPI
    public var chats: any ChatsAPI
    public var messages: any MessagesAPI
    public var media: any MediaAPI
    public var notifications: any NotificationsAPI
    /// The embedded media storage's upload and download routes, when media is kept in the data folder.
    public var mediaFiles: MediaFiles?
    /// What runs beside the server for these services (the push queue).
    public var background: [any Service]

    public init(
        auth: any AuthAPI,
        users: any UsersAPI,
        chats: any ChatsAPI,
        messages: any MessagesAPI,
        media: any MediaAPI,
        notifications: any NotificationsAPI,
        mediaFiles: MediaFiles? = nil,
        background: [any Service] = []
    ) {
        self.auth = auth
        self.users = users
        self.chats = chats
        self.messages = messages
        self.media = media
        self.notifications = notifications
        self.mediaFiles = mediaFiles
        self.background = background
    }

    /// Every service in this process, over one store.
    public static func inProcess(
        store: any Store,
        tokens: TokenService,
        mailer: any Mailer,
        coordination: Coordination,
        events: any EventPublisher,
        mediaStorage: any MediaStorage,
        outbound: OutboundClient,
        push: WebPushSender.Identity,
        secureCookies: Bool,
        logger: Logger
    ) -> ServiceSet {
        let media = MediaService(store: store, storage: mediaStorage, previews: LinkPreviewer(client: outbound, cache: coordination.cache))
        let notifications = NotificationsService(store: store, sender: WebPushSender(identity: push, client: outbound, store: store))
        let pushes = PushOnNewMessage(
            store: store,
            presence: coordination.presence,
            cache: coordination.cache,
            notifications: notifications,
            logger: logger
        )
        return ServiceSet(
            auth: AuthService(store: store, tokens: tokens, mailer: mailer, secureCookies: secureCookies),
            users: UsersService(store: store, presence: coordination.presence),
            chats: ChatsService(store: store, events: events),
            messages: MessagesService(store: store, events: events, media: media, notifier: pushes),
            media: media,
            notifications: notifications,
            mediaFiles: (mediaStorage as? LocalStorage).map { MediaFiles(storage: $0, store: store) },
            background: [pushes]
        )
    }

    /// Routes the gateway serves: every public service's (internal ones are never routed).
    public static let publicRoutes: [APIRouteDescriptor] =
        Auth.routes + Users.routes + Chats.routes + Messages.routes + Media.routes
        + Notifications.routes
}
