import AuthService
import ChatsService
import Coordination
import Foundation
import MediaService
import MessagesService
import NotificationsService
import ParleyAPI
import ParleyStore
import ServiceKit
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

    public init(
        auth: any AuthAPI,
        users: any UsersAPI,
        chats: any ChatsAPI,
        messages: any MessagesAPI,
        media: any MediaAPI,
        notifications: any NotificationsAPI
    ) {
        self.auth = auth
        self.users = users
        self.chats = chats
        self.messages = messages
        self.media = media
        self.notifications = notifications
    }

    /// Every service in this process, over one store.
    public static func inProcess(
        store: any Store,
        tokens: TokenService,
        mailer: any Mailer,
        coordination: Coordination,
        events: any EventPublisher,
        secureCookies: Bool
    ) -> ServiceSet {
        ServiceSet(
            auth: AuthService(store: store, tokens: tokens, mailer: mailer, secureCookies: secureCookies),
            users: UsersService(store: store, presence: coordination.presence),
            chats: ChatsService(store: store, events: events),
            messages: MessagesService(store: store, events: events),
            media: MediaService(),
            notifications: NotificationsService()
        )
    }

    /// Routes the gateway serves: every public service's (internal ones are never routed).
    public static let publicRoutes: [APIRouteDescriptor] =
        Auth.routes + Users.routes + Chats.routes + Messages.routes + Media.routes
        + Notifications.routes
}
