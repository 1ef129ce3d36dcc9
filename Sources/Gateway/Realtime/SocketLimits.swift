import Coordination
import Foundation
import ParleyAPI
import SocketIO
import Synchronization

/// What one socket may do: a rate of events (each one over it is refused with `RATE_LIMITED`, in its
/// acknowledgement and as an `error` event; a socket refused more than `refusalsToDisconnect` times within the window
/// is disconnected), and how many sockets one user may hold on an instance. Local to the instance: a socket's
/// events all reach the instance that holds it.
public final class SocketLimits: Sendable {
    let events: Int
    let window: Duration
    let refusalsToDisconnect: Int
    let socketsPerUser: Int
    private let limiter = InProcessRateLimiter()

    public init(events: Int = 100, window: Duration = .seconds(10), refusalsToDisconnect: Int = 50, socketsPerUser: Int = 20) {
        self.events = events
        self.window = window
        self.refusalsToDisconnect = refusalsToDisconnect
        self.socketsPerUser = socketsPerUser
    }

    /// Nil when `socket` may send one more event; the refusal otherwise (and the socket is disconnected when it keeps
    /// being refused).
    func refusal(for socket: Socket) async -> APIError? {
        guard let decision = try? await limiter.hit("events:\(socket.id)", limit: events, window: window), !decision.allowed else {
            return nil
        }
        let error = decision.refusal
        socket.emit("error", SocketArguments([["code": .string(error.code), "message": .string(error.message)]]))
        // Refusals have a budget of their own: a client that ignores them is abusing, not bursting.
        if let refusals = try? await limiter.hit("refusals:\(socket.id)", limit: refusalsToDisconnect, window: window), !refusals.allowed {
            socket.disconnect(closeConnection: true)
        }
        return error
    }
}
