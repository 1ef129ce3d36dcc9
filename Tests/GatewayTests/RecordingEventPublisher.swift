import ParleyAPI
import ServiceKit

/// Collects the events the services publish, for tests to inspect.
actor RecordingEventPublisher: EventPublisher {
    private(set) var published: [(event: ServerEvent, rooms: [Room], excluded: ObjectId?)] = []
    private(set) var membershipChanges: [ObjectId] = []

    init() {}

    func publish(_ event: ServerEvent, to rooms: [Room], excluding excluded: ObjectId?) async {
        published.append((event, rooms, excluded))
    }

    func membersChanged(chatId: ObjectId) async { membershipChanges.append(chatId) }

    func names() -> [String] { published.map(\.event.name) }
    func clear() { published.removeAll() }
}
