import Synchronization
import Testing

@testable import SocketIO

@Suite struct EngineSessionTests {
    @Test func aProbeThatGoesAwayLeavesNothingBehind() {
        let session = EngineSession(id: "s", transport: .polling, bufferLimit: 10, now: .now)
        let first = Mutex(0)
        let second = Mutex(0)
        #expect(session.beginUpgrade())
        session.whenQueued { first.withLock { $0 += 1 } }
        session.whenCutOff { first.withLock { $0 += 100 } }
        session.abandonUpgrade()
        session.send(.text("while polling"))
        #expect(first.withLock { $0 } == 0)

        // The next probe is told of what is queued while it waits, like the first.
        #expect(session.beginUpgrade())
        session.whenQueued { second.withLock { $0 += 1 } }
        session.send(.text("while probing"))
        #expect(second.withLock { $0 } == 1)
        session.close(.pingTimeout)
        #expect(first.withLock { $0 } == 0)
    }
}
