public import AuthService
import Foundation
public import NotificationsService

extension Configuration {
    /// Secrets from the environment; in development, the ones it leaves unset come from the data folder.
    public func secrets() throws -> AuthSecrets {
        // Set them all, and the data folder is not touched: processes of a split deployment may share one.
        if let jwtAccessSecret, let jwtRefreshSecret, let internalSecret {
            return AuthSecrets(accessSecret: jwtAccessSecret, refreshSecret: jwtRefreshSecret, internalSecret: internalSecret)
        }
        var secrets = try AuthSecrets.persisted(in: dataDirectory)
        if let jwtAccessSecret { secrets.accessSecret = jwtAccessSecret }
        if let jwtRefreshSecret { secrets.refreshSecret = jwtRefreshSecret }
        if let internalSecret { secrets.internalSecret = internalSecret }
        return secrets
    }

    /// VAPID keys from the environment; in development, created once and kept in the data folder.
    public func pushIdentity() throws -> WebPushSender.Identity {
        let keys =
            if let vapidPrivateKey, let vapidPublicKey {
                try VAPIDKeys(privateKey: vapidPrivateKey, publicKey: vapidPublicKey)
            } else {
                try VAPIDKeys.persisted(in: dataDirectory)
            }
        return WebPushSender.Identity(keys: keys, subject: vapidSubject)
    }
}
