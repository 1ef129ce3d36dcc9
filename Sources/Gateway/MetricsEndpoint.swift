import Crypto
import Foundation
import Hummingbird
import Metrics
import NIOCore
import ParleyAPI
public import Prometheus
import Synchronization

/// Prometheus text at `/metrics`: what swift-metrics records in this process (requests by route, method and status
/// with their durations, open sockets, events published and delivered, Redis errors). With a token a scraper presents
/// it as a bearer token; without one the endpoint is served in development only.
public struct MetricsEndpoint: Sendable {
    let registry: PrometheusCollectorRegistry
    let token: String?

    public init(registry: PrometheusCollectorRegistry, token: String?) {
        self.registry = registry
        self.token = token
    }

    /// Makes swift-metrics record into a new registry, names and labels spelled as Prometheus allows (Hummingbird's
    /// `http.server.request.duration` becomes `http_server_request_duration`). Once per process.
    public static func bootstrap(token: String?) -> MetricsEndpoint {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, dimensions in
            (prometheusName(name), dimensions.map { (prometheusName($0.0), $0.1) })
        }
        MetricsSystem.bootstrap(factory)
        return MetricsEndpoint(registry: registry, token: token)
    }

    static func prometheusName(_ name: String) -> String {
        String(name.unicodeScalars.map { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) ? Character($0) : "_" })
    }

    func addRoute<Context: APIRequestContext>(to router: Router<Context>) {
        let expected = token.map { SHA256.hash(data: Data("Bearer \($0)".utf8)) }
        router.get("/metrics") { request, _ in
            if let expected {
                // Digests, so that the time taken says nothing about how much of the token matched.
                guard let presented = request.headers[.authorization], SHA256.hash(data: Data(presented.utf8)) == expected else {
                    throw APIError.unauthorized("/metrics needs the METRICS_TOKEN as a bearer token")
                }
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
    }

    static let route = APIRouteDescriptor(method: .get, path: "/metrics", operation: "/metrics")
}

/// Parley's own measurements, beside Hummingbird's per-request ones.
enum ParleyMetrics {
    static let socketsOpen = Meter(label: "parley_sockets_open")
    private static let publishedEvents = EventCounters(label: "parley_events_published")
    private static let deliveredEvents = EventCounters(label: "parley_events_delivered")

    static func published(_ event: String) { publishedEvents[event].increment() }

    static func delivered(_ event: String, sockets: Int) {
        guard sockets > 0 else { return }
        deliveredEvents[event].increment(by: sockets)
    }
}

/// A counter per event name, made once: every event passes here, and making a counter looks it up in the
/// metrics registry. Event names are the schema's, a bounded set.
private final class EventCounters: Sendable {
    private let label: String
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])

    init(label: String) { self.label = label }

    subscript(event: String) -> CoreMetrics.Counter {
        counters.withLock { counters in
            if let counter = counters[event] { return counter }
            let counter = CoreMetrics.Counter(label: label, dimensions: [("event", event)])
            counters[event] = counter
            return counter
        }
    }
}
