public import ParleyAPI
public import ParleyRedis
public import ParleyStore

// The engines know nothing of HTTP: their errors become the contract's here, at the edge, for routes and socket acks
// alike (APIErrorMiddleware and ChatEvents look for APIErrorConvertible).

extension StoreError: APIErrorConvertible {
    /// A unique key nobody checked first is a conflict; an unreachable engine is 503; unreadable data is 500.
    public var apiError: APIError {
        switch self {
        case .duplicate: .conflict("Already exists")
        case .unavailable: .unavailable("The data store is not reachable")
        case .corrupt: .internal
        }
    }
}

extension RedisError: APIErrorConvertible {
    /// Redis out of reach is the contract's 503; anything else it says is a server fault.
    public var apiError: APIError {
        if case .connection = self { return .unavailable("Shared state is not reachable") }
        return .internal
    }
}
