import Hummingbird
import ParleyAPI

/// A service that can run in a process of its own (`parley serve --service <name>`).
public enum ServiceName: String, CaseIterable, Sendable {
    case auth, users, chats, messages, media, notifications

    /// The routes the gateway serves for the service.
    var publicRoutes: [APIRouteDescriptor] {
        switch self {
        case .auth: Auth.routes
        case .users: Users.routes
        case .chats: Chats.routes
        case .messages: Messages.routes
        case .media: Media.routes
        case .notifications: Notifications.routes
        }
    }

    /// Every route the service's process answers, internal ones included.
    var routes: [APIRouteDescriptor] {
        switch self {
        case .auth: Auth.routes
        case .users: Users.routes + UsersInternal.routes
        case .chats: Chats.routes + ChatsInternal.routes
        case .messages: Messages.routes + MessagesInternal.routes
        case .media: Media.routes + MediaInternal.routes
        case .notifications: Notifications.routes + NotificationsInternal.routes
        }
    }
}

extension ServiceSet {
    /// Puts `service`'s public routes on the gateway's router: passed through to the service's own process when it
    /// has one, else its handlers here.
    func registerPublicRoutes<Context: APIRequestContext>(of service: ServiceName, on router: Router<Context>, security: any APISecurity) {
        if let proxy = proxies[service] { return proxy.addRoutes(service.publicRoutes, to: router, security: security) }
        switch service {
        case .auth: auth.registerRoutes(on: router, security: security)
        case .users: users.registerRoutes(on: router, security: security)
        case .chats: chats.registerRoutes(on: router, security: security)
        case .messages: messages.registerRoutes(on: router, security: security)
        case .media: media.registerRoutes(on: router, security: security)
        case .notifications: notifications.registerRoutes(on: router, security: security)
        }
    }

    /// Puts `service`'s routes, internal ones included, on the router of its own process.
    func registerRoutes<Context: APIRequestContext>(of service: ServiceName, on router: Router<Context>, security: any APISecurity) {
        switch service {
        case .auth: auth.registerRoutes(on: router, security: security)
        case .users:
            users.registerRoutes(on: router, security: security)
            usersInternal.registerRoutes(on: router, security: security)
        case .chats:
            chats.registerRoutes(on: router, security: security)
            chatsInternal.registerRoutes(on: router, security: security)
        case .messages:
            messages.registerRoutes(on: router, security: security)
            messagesInternal.registerRoutes(on: router, security: security)
        case .media:
            media.registerRoutes(on: router, security: security)
            mediaInternal.registerRoutes(on: router, security: security)
            mediaFiles?.addRoutes(to: router)
        case .notifications:
            notifications.registerRoutes(on: router, security: security)
            notificationsInternal.registerRoutes(on: router, security: security)
        }
    }
}
