import Foundation
import Synchronization

/// The MongoDB-compatible server the `.mongo` store tests use: `PARLEY_TEST_MONGO_URI` when set, otherwise
/// one SecantusDB (`secantusd-py` from the project's .venv, in memory) started on first use and shared by the
/// whole test process. A server that cannot start is an error, so the tests fail rather than skip.
enum MongoTestServer {
    static func uri() async throws -> String {
        try await shared.value
    }

    private static let shared = Task<String, any Error> {
        if let uri = ProcessInfo.processInfo.environment["PARLEY_TEST_MONGO_URI"], !uri.isEmpty { return uri }
        return try await start()
    }

    /// The server's watchdog shell, stopped when the test process exits.
    private static let running = Mutex<Process?>(nil)

    enum Failure: Error, CustomStringConvertible {
        case missing(String)
        case notListening(port: Int, log: String)

        var description: String {
            switch self {
            case .missing(let path):
                "cannot start the test MongoDB server: \(path) is missing (run scripts/bootstrap, or set PARLEY_TEST_MONGO_URI)"
            case .notListening(let port, let log):
                "the test MongoDB server (secantusd-py) did not accept connections on port \(port) within 20 s:\n\(log)"
            }
        }
    }

    private static func start() async throws -> String {
        // Tests/StoreTests/MongoServer.swift → the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let server = root.appendingPathComponent(".venv/bin/secantusd-py").path
        guard FileManager.default.isExecutableFile(atPath: server) else { throw Failure.missing(server) }
        let port = try freePort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("parley-secantus-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)

        // A small Python watchdog runs the server and stops it when this process exits or goes away, even
        // by SIGKILL, so that an aborted run leaves no server behind. It first unblocks signals: a process
        // started by Foundation inherits a mask that blocks SIGTERM, which the server would never see.
        let process = Process()
        process.executableURL = root.appendingPathComponent(".venv/bin/python")
        process.arguments = [
            "-c",
            """
            import os, signal, subprocess, sys, time
            signal.pthread_sigmask(signal.SIG_SETMASK, set())
            server, port = sys.argv[1], sys.argv[2]
            parent = os.getppid()
            child = subprocess.Popen([server, "--host", "127.0.0.1", "--port", port, "--storage-path", ":memory:", "--log-level", "WARNING"])
            signal.signal(signal.SIGTERM, lambda *_: child.terminate())
            while child.poll() is None and os.getppid() == parent:
                time.sleep(0.5)
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
            """, server, String(port),
        ]
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        running.withLock { $0 = process }
        atexit {
            MongoTestServer.running.withLock { process in
                if let process, process.isRunning { process.terminate() }
            }
        }

        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if canConnect(port: port) {
                // The server keeps writing to the open file; only a failed start needs the log by name.
                try? FileManager.default.removeItem(at: log)
                // A reply that never comes fails its test within a minute (libmongoc waits 5 by default; a stalled
                // secantusd once held the whole suite for over ten).
                return "mongodb://127.0.0.1:\(port)/?serverSelectionTimeoutMS=10000&socketTimeoutMS=60000"
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        if process.isRunning { process.terminate() }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw Failure.notListening(port: port, log: text)
    }

    /// A port nothing listens on: bound to port 0, read back, released.
    private static func freePort() throws -> Int {
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func canConnect(port: Int) -> Bool {
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
