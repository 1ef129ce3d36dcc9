import Hummingbird
import Logging
import ParleyAPI

/// One line per request: method, the route that matched (never the raw path, which may carry ids and tokens),
/// status, duration and the caller; the request id is already in the logger's metadata (`hb.request.id`). Sits
/// after the authenticator, so that it sees the caller.
struct AccessLogMiddleware<Context: APIRequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context, status: response.status.code, since: started)
            return response
        } catch {
            log(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: started)
            throw error
        }
    }

    private func log(_ request: Request, _ context: Context, status: Int, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var metadata: Logger.Metadata = [
            "method": "\(request.method)",
            "route": "\(context.endpointPath ?? "-")",
            "status": "\(status)",
            "duration_ms": "\((milliseconds * 1000).rounded() / 1000)",
        ]
        if let caller = context.identity { metadata["user"] = "\(caller.userId)" }
        context.logger.info("request", metadata: metadata)
    }
}
