import ArgumentParser
import Foundation
import Histogram
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// A Socket.IO load generator for Parley (and any server with the same events): authenticated WebSocket connections
/// from a plan of users and chats, messages at a set rate, send→receive latency in an HDR histogram. One process
/// holds at most what the file limit allows: run several (each with its own slice of users and source address) and
/// `merge` their results.
@main
struct ParleyLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley-load",
        abstract: "Socket.IO load: idle connections, 2-member chats at a rate, a large group.",
        subcommands: [Run.self, Merge.self]
    )
}

/// Users and chats made beforehand (`scripts/bench/socket-plan.py`).
struct Plan: Decodable {
    struct User: Decodable {
        let id: String
        let token: String
    }
    struct Pair: Decodable {
        let chatId: String
        let users: [Int]
    }
    struct Group: Decodable {
        let chatId: String
        let members: [Int]
    }
    let users: [User]
    let pairs: [Pair]
    let group: Group?
}

/// One process's figures; `merge` adds them up.
struct RunResult: Codable {
    var mode: String
    var connections = 0
    var refused = 0
    var closed = 0
    var sent = 0
    var acked = 0
    var received = 0
    /// Idle mode: connections that received the probe message.
    var probed = 0
    var seconds = 0.0
    /// Send→receive, microseconds; in group mode, send→the last member's receive, one value per message.
    var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
}

enum Mode: String, ExpressibleByArgument {
    case idle, chat, group
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Connect a slice of the plan's users and run one mode.")

    @Option(help: "The server, http://host:port.") var url: String
    @Option(help: "The plan (JSON).") var plan: String
    @Option(help: "idle, chat or group.") var mode: Mode
    @Option(help: "Connections to open (users are taken round-robin from the slice).") var connections: Int
    @Option(help: "First user of this process's slice.") var firstUser = 0
    @Option(help: "Users in this process's slice (default: all from first-user).") var userCount: Int?
    @Option(help: "Local address to connect from (spread processes over 127.0.0.0/8).") var source = "127.0.0.1"
    @Option(help: "chat: messages per second sent by this process.") var rate = 1000
    @Option(help: "How long to run after connecting (s); idle: how long to hold.") var duration = 20.0
    @Option(help: "group: messages to send.") var sends = 100
    @Option(help: "Written once every connection is up.") var readyFile: String?
    @Option(help: "Where the result goes (JSON).") var out: String
    @Option(help: "Event loop threads.") var threads = 1
    @Option(help: "Connections opening at once.") var concurrency = 128

    func run() async throws {
        let plan = try JSONDecoder().decode(Plan.self, from: Data(contentsOf: URL(fileURLWithPath: plan)))
        guard let target = URL(string: url), let host = target.host, let port = target.port else { throw ValidationError("bad --url") }
        let count = userCount ?? plan.users.count - firstUser
        guard firstUser >= 0, count > 0, firstUser + count <= plan.users.count else { throw ValidationError("the slice is outside the plan") }
        let users = Array(firstUser..<(firstUser + count))

        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let load = Load(mode: mode)
        var pairOf: [Int: String] = [:]
        for pair in plan.pairs { for user in pair.users { pairOf[user] = pair.chatId } }

        // Open every connection, `concurrency` at a time.
        let started = ContinuousClock.now
        var opened: [Connection] = []
        try await withThrowingTaskGroup(of: Connection?.self) { tasks in
            var next = 0
            func add() {
                let index = next
                next += 1
                let user = users[index % users.count]
                let auth = #"{"token":"\#(plan.users[user].token)"}"#
                let connection = Connection(index: index, user: user, userId: plan.users[user].id, chatId: pairOf[user], load: load)
                tasks.addTask {
                    try? await connection.open(group: group, host: host, port: port, source: source, auth: auth)
                    return connection.isConnected ? connection : nil
                }
            }
            while next < min(concurrency, connections) { add() }
            while let result = try await tasks.next() {
                if let result { opened.append(result) }
                if next < connections { add() }
            }
        }
        let connectSeconds = (ContinuousClock.now - started).seconds
        FileHandle.standardError.write(Data("\(opened.count) of \(connections) connected in \(String(format: "%.1f", connectSeconds)) s\n".utf8))
        if let readyFile { try Data("\(opened.count)\n".utf8).write(to: URL(fileURLWithPath: readyFile)) }

        let runStart = ContinuousClock.now
        switch mode {
        case .idle:
            try await Task.sleep(for: .seconds(duration))
        case .chat:
            let senders = opened.filter { $0.chatId != nil }
            guard !senders.isEmpty else { throw ValidationError("no connection has a 2-member chat in this slice") }
            // Every 10 ms, the share of the rate that falls in it, round-robin over the senders.
            let tick = Duration.milliseconds(10)
            var due = 0.0
            var turn = 0
            let end = ContinuousClock.now + .seconds(duration)
            var wake = ContinuousClock.now
            while ContinuousClock.now < end {
                due += Double(rate) / 100
                while due >= 1 {
                    senders[turn % senders.count].sendMessage()
                    turn += 1
                    due -= 1
                }
                wake += tick
                try await Task.sleep(until: wake, clock: .continuous)
            }
            try await Task.sleep(for: .seconds(2))  // the last ones arrive
        case .group:
            guard let chat = plan.group, let sender = opened.first(where: { $0.user == chat.members.first }) else {
                throw ValidationError("the plan's group sender is not in this slice")
            }
            load.expectGroupMembers(Set(opened.map(\.user)).count - 1)
            for _ in 0..<sends {
                sender.sendMessage(chatId: chat.chatId)
                try await Task.sleep(for: .milliseconds(100))
            }
            try await Task.sleep(for: .seconds(2))
        }
        var result = load.result()
        result.connections = opened.count
        result.refused = connections - opened.count
        result.seconds = (ContinuousClock.now - runStart).seconds
        let encoder = JSONEncoder()
        try encoder.encode(result).write(to: URL(fileURLWithPath: out))
        for connection in opened { connection.close() }
        try await group.shutdownGracefully()
    }
}

/// What every connection of the process adds to.
final class Load: Sendable {
    let mode: Mode
    private let state: Mutex<State>

    struct State {
        var result: RunResult
        var groupMembers = 0
        /// group: per message, receipts so far and the latest latency.
        var pending: [UInt64: (count: Int, latest: UInt64)] = [:]
    }

    init(mode: Mode) {
        self.mode = mode
        state = Mutex(State(result: RunResult(mode: mode.rawValue)))
    }

    func expectGroupMembers(_ count: Int) { state.withLock { $0.groupMembers = count } }

    func count(_ update: (inout RunResult) -> Void) { state.withLock { update(&$0.result) } }

    /// A message reached a connection that did not send it; `sentAt` is the sender's wall clock in microseconds.
    func received(sentAt: UInt64) {
        let latency = Clock.microseconds() &- sentAt
        state.withLock { state in
            state.result.received += 1
            if mode == .group {
                var entry = state.pending[sentAt] ?? (0, 0)
                entry.count += 1
                entry.latest = max(entry.latest, latency)
                if entry.count == state.groupMembers {
                    state.pending[sentAt] = nil
                    _ = state.result.latency.record(entry.latest)
                } else {
                    state.pending[sentAt] = entry
                }
            } else {
                _ = state.result.latency.record(latency)
            }
        }
    }

    func result() -> RunResult { state.withLock { $0.result } }
}

/// One Socket.IO connection; its state is only touched on its channel's event loop, or before it opens.
final class Connection: @unchecked Sendable {
    let index: Int
    let user: Int
    let userId: String
    let chatId: String?
    private let load: Load
    private var channel: Channel?
    private var sequence = 0
    private let connected = Atomic<Bool>(false)

    init(index: Int, user: Int, userId: String, chatId: String?, load: Load) {
        self.index = index
        self.user = user
        self.userId = userId
        self.chatId = chatId
        self.load = load
    }

    var isConnected: Bool { connected.load(ordering: .relaxed) }

    func open(group: EventLoopGroup, host: String, port: Int, source: String, auth: String) async throws {
        let promise = group.next().makePromise(of: Void.self)
        let path = "/socket.io/?EIO=4&transport=websocket"
        let channel = try await ClientBootstrap(group: group)
            .bind(to: try SocketAddress(ipAddress: source, port: 0))
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: 1 << 20) { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SocketIOClientHandler(auth: auth) { self.handle($0, promise: promise) })
                    }
                }
                let upgrade: NIOHTTPClientUpgradeSendableConfiguration = (
                    upgraders: [upgrader], completionHandler: { context in context.pipeline.removeHandler(name: "upgrade-request", promise: nil) }
                )
                return channel.pipeline.addHTTPClientHandlers(leftOverBytesStrategy: .forwardBytes, withClientUpgrade: upgrade).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(
                        UpgradeRequestHandler(host: "\(host):\(port)", path: path),
                        name: "upgrade-request"
                    )
                }
            }
            .connect(host: host, port: port)
            .get()
        self.channel = channel
        channel.closeFuture.whenComplete { _ in promise.fail(ChannelError.ioOnClosedChannel) }
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(30)) { promise.fail(ChannelError.connectTimeout(.seconds(30))) }
        defer { timeout.cancel() }
        try await promise.futureResult.get()
    }

    private func handle(_ event: ClientEvent, promise: EventLoopPromise<Void>) {
        switch event {
        case .connected:
            connected.store(true, ordering: .relaxed)
            promise.succeed()
        case .refused(let reason):
            FileHandle.standardError.write(Data("refused: \(reason)\n".utf8))
            promise.fail(ChannelError.inappropriateOperationForState)
        case .ack:
            load.count { $0.acked += 1 }
        case .closed:
            if isConnected { load.count { $0.closed += 1 } }
        case .event(let text):
            guard text.hasPrefix(#"["message:new""#) else { return }
            // The sender's own copy carries its tempId: only the others' count.
            guard !text.contains(#""tempId""#) else { return }
            if load.mode == .idle {
                if text.contains(#""body":"probe"#) { load.count { $0.probed += 1 } }
                return
            }
            guard let range = text.range(of: #""body":"t"#) else { return }
            let digits = text[range.upperBound...].prefix { $0.isNumber }
            if let sentAt = UInt64(digits) { load.received(sentAt: sentAt) }
        }
    }

    /// `message:send` with the send time in the body, to the connection's 2-member chat or `chatId`.
    func sendMessage(chatId: String? = nil) {
        guard let channel, let chat = chatId ?? self.chatId else { return }
        channel.eventLoop.execute {
            self.sequence += 1
            let text =
                #"42\#(self.sequence)["message:send",{"chatId":"\#(chat)","body":"t\#(Clock.microseconds())","tempId":"\#(Self.run)-\#(self.index)-\#(self.sequence)"}]"#
            channel.writeAndFlush(SocketIOClientHandler.frame(channel.allocator.buffer(string: text)), promise: nil)
        }
        load.count { $0.sent += 1 }
    }

    func close() { channel?.close(promise: nil) }

    /// Makes this run's tempIds new: a tempId sent before is acknowledged with the message it made then, and not sent again.
    private static let run = String(UInt64.random(in: 0...UInt64.max), radix: 36)
}

enum Clock {
    /// Wall-clock microseconds: comparable between processes on one machine.
    static func microseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec / 1000)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Add up the results of several processes and print them.")

    @Argument(help: "Result files.") var files: [String]
    @Flag(help: "Print JSON instead of a line of text.") var json = false

    func run() throws {
        var total: RunResult?
        for file in files {
            let result = try JSONDecoder().decode(RunResult.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
            guard var sum = total else {
                total = result
                continue
            }
            sum.connections += result.connections
            sum.refused += result.refused
            sum.closed += result.closed
            sum.sent += result.sent
            sum.acked += result.acked
            sum.received += result.received
            sum.probed += result.probed
            sum.seconds = max(sum.seconds, result.seconds)
            sum.latency.add(result.latency)
            total = sum
        }
        guard let total else { throw ValidationError("no results") }
        let ms = { (percentile: Double) in Double(total.latency.valueAtPercentile(percentile)) / 1000 }
        let summary: [String: Double] = [
            "connections": Double(total.connections), "refused": Double(total.refused), "closed": Double(total.closed),
            "sent": Double(total.sent), "acked": Double(total.acked), "received": Double(total.received), "probed": Double(total.probed),
            "receivedPerSecond": total.seconds > 0 ? Double(total.received) / total.seconds : 0,
            "samples": Double(total.latency.totalCount), "p50ms": ms(50), "p90ms": ms(90), "p99ms": ms(99), "maxms": Double(total.latency.max) / 1000,
        ]
        if json {
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(summary.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%.2f", $0.value))" }.joined(separator: " "))
        }
    }
}
