/// `client.ts`: `ApiError`, `ClientOptions` and `ParleyClient`, a browser client on `fetch` alone with one group
/// of typed functions per public service.
enum TypeScriptClient {
    /// Names `client.ts` declares or uses from the global scope; an imported type with one of them is aliased.
    static let reservedNames: Set<String> = [
        "ApiError", "ClientOptions", "ParleyClient", "RequestSpec", "HttpMethod", "ErrorDetail", "Error", "Response", "RequestInit",
        "URLSearchParams", "Promise", "Record", "JSON", "Object", "String", "Array", "Parameters", "globalThis",
        "encodeURIComponent", "fetch",
    ]

    static func render(_ model: APIModel) -> String {
        var imports = TSImports(reserved: reservedNames)
        let refresh = refreshRoute(model)
        var groups = ""
        for service in model.services where !service.isInternal {
            groups += group(service, model: model, imports: &imports)
        }
        return "// \(GeneratedHeader.text)\n\n" + imports.statement + (imports.statement.isEmpty ? "" : "\n")
            + prologue + classHead(refresh: refresh != nil) + groups + classTail(refresh: refresh, model: model) + helpers
    }

    /// The route `auth.refresh`, used to renew an expired access token, if the model has one.
    static func refreshRoute(_ model: APIModel) -> (method: HTTPMethod, path: String)? {
        guard let service = model.services.first(where: { $0.name == "auth" }),
            let route = service.routes.first(where: { $0.name == "refresh" })
        else { return nil }
        return (route.method, route.fullPath(in: service))
    }

    /// Whether the route needs `Authorization: Bearer`, so that a 401 may be an expired token.
    static func requiresBearer(_ route: Route, model: APIModel) -> Bool {
        guard let name = route.security, let scheme = model.securityScheme(named: name) else { return false }
        if case .bearer = scheme.kind { return true }
        return false
    }

    /// Whether the route's response carries a new access token.
    static func issuesToken(_ route: Route, model: APIModel) -> Bool {
        guard let response = model.type(named: route.response) else { return false }
        return response.properties.contains { property in
            guard property.name == "accessToken" else { return false }
            if case .string = property.field { return true }
            return false
        }
    }

    static func group(_ service: Service, model: APIModel, imports: inout TSImports) -> String {
        var out = "\n" + TSSyntax.doc(service.description.map { [$0] } ?? [], indent: "  ")
        out += "  readonly \(TSSyntax.key(Naming.lowerCamel(service.name))) = {\n"
        for route in service.routes {
            out += function(route, in: service, model: model, imports: &imports)
        }
        out += "  };\n"
        return out
    }

    static func function(_ route: Route, in service: Service, model: APIModel, imports: inout TSImports) -> String {
        let fullPath = route.fullPath(in: service)
        let bearer = requiresBearer(route, model: model)

        // Parameters: path parameters in path order, then the body, then the query object.
        var taken: Set<String> = ["body", "query"]
        var arguments: [String] = []
        var pathNames: [String: String] = [:]
        var paramDocs: [String] = []
        for param in route.params {
            let name = TSSyntax.variable(param.name, avoiding: taken)
            taken.insert(name)
            pathNames[param.name] = name
            arguments.append("\(name): \(TSSyntax.type(param) { imports.name($0) })")
            let notes = TSSyntax.docLines(param)
            if !notes.isEmpty { paramDocs.append("@param \(name) " + notes.joined(separator: " ")) }
        }
        if let body = route.body {
            arguments.append("body: \(imports.name(body))")
        }
        if !route.query.isEmpty {
            let optional = route.query.allSatisfy { !$0.isRequired }
            var type = "{\n"
            for property in route.query {
                type += TSSyntax.doc(TSSyntax.docLines(property), indent: "      ")
                type += "      \(TSSyntax.key(property.name))\(property.isRequired ? "" : "?"): \(TSSyntax.type(property) { imports.name($0) })"
                type += property.isRequired ? ";\n" : " | undefined;\n"
            }
            type += "    }"
            arguments.append("query\(optional ? "?" : ""): \(type)")
        }
        let response = imports.name(route.response)

        var docLines: [String] = []
        if let summary = route.summary { docLines.append(summary) }
        if let description = route.description {
            if !docLines.isEmpty { docLines.append("") }
            docLines.append(description)
        }
        if !docLines.isEmpty { docLines.append("") }
        var signature = "`\(route.method.rawValue) \(fullPath)`"
        signature += bearer ? ", with the access token." : (route.security == nil ? ", public." : ".")
        docLines.append(signature)
        let errors = route.allErrors.map { "\($0) `\(StatusDocs.code($0))`" }.joined(separator: ", ")
        docLines.append("Errors (`ApiError`): \(errors).")
        docLines += paramDocs

        var spec: [String] = ["method: \(TSSyntax.literal(route.method.rawValue))", "path: \(pathExpression(fullPath, names: pathNames))"]
        if route.body != nil { spec.append("body") }
        if !route.query.isEmpty { spec.append("query") }
        spec.append("bearer: \(bearer)")
        spec.append("issuesToken: \(issuesToken(route, model: model))")
        if service.name == "auth" && route.name == "logout" { spec.append("clearsToken: true") }

        var out = TSSyntax.doc(docLines, indent: "    ")
        out += "    \(TSSyntax.key(Naming.lowerCamel(route.name))): ("
        out +=
            arguments.count > 1 || arguments.contains(where: { $0.contains("\n") })
            ? "\n" + arguments.map { "      " + $0.replacing("\n", with: "\n  ") + ",\n" }.joined() + "    "
            : arguments.joined()
        out += "): Promise<\(response)> =>\n"
        out += "      this.#request<\(response)>({ \(spec.joined(separator: ", ")) }),\n"
        return out
    }

    /// A template literal for the gateway path, with `encodeURIComponent` around each path parameter.
    static func pathExpression(_ path: String, names: [String: String]) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            if segment.hasPrefix(":"), let name = names[String(segment.dropFirst())] {
                return "${encodeURIComponent(String(\(name)))}"
            }
            return String(segment).replacing("\\", with: "\\\\").replacing("`", with: "\\`").replacing("${", with: "\\${")
        }
        return "`" + segments.joined(separator: "/") + "`"
    }

    static let prologue = #"""
        /** A field that failed validation: where it was (`body.email`) and what is wrong with it. */
        type ErrorDetail = { path: string; message: string };

        /** An error answered by the API, from the contract's body `{error: {statusCode, code, message, details?}}`. */
        export class ApiError extends Error {
          /** The HTTP status. */
          readonly status: number;
          /** The contract's code (`VALIDATION_FAILED`, `UNAUTHORIZED`, ...); `INTERNAL` when the body was not an API error. */
          readonly code: string;
          /** For validation errors (400): one entry per invalid input. */
          readonly details: ErrorDetail[] | undefined;

          constructor(status: number, code: string, message: string, details?: ErrorDetail[]) {
            super(message);
            Object.setPrototypeOf(this, new.target.prototype);
            this.name = "ApiError";
            this.status = status;
            this.code = code;
            this.details = details;
          }
        }

        export interface ClientOptions {
          /** Origin (and optional prefix) of the gateway, e.g. `https://chat.example.com`. Default: the page's origin. */
          baseUrl?: string;
          /** The current access token, if any. Default: the last one this client received. */
          getAccessToken?: () => string | null;
          /** Called with each new access token (login, register, refresh), and with `null` when a refresh fails. */
          onAccessToken?: (token: string | null) => void;
          /** The `fetch` to use. Default: the global one. */
          fetch?: typeof fetch;
        }

        type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

        interface RequestSpec {
          method: HttpMethod;
          /** The gateway path, parameters already encoded. */
          path: string;
          query?: object | undefined;
          body?: unknown;
          /** The route needs the access token: a 401 may mean it expired, so refresh once and retry. */
          bearer: boolean;
          /** The response carries a new `accessToken`. */
          issuesToken: boolean;
          /** Success ends the session (`auth.logout`): forget the access token. */
          clearsToken?: boolean;
        }

        """#

    static func classHead(refresh: Bool) -> String {
        #"""

        /**
         * The Parley REST API. Every call sends the access token when there is one and the refresh cookie
         * (`credentials: "include"`); an error answer throws `ApiError`.
         */
        export class ParleyClient {
          readonly #baseUrl: string;
          readonly #fetch: typeof fetch;
          readonly #getAccessToken: (() => string | null) | undefined;
          readonly #onAccessToken: ((token: string | null) => void) | undefined;
          #token: string | null = null;
        """# + (refresh ? "\n  #refreshing: Promise<string | null> | null = null;" : "") + "\n" + #"""

              constructor(options: ClientOptions = {}) {
                this.#baseUrl = (options.baseUrl ?? "").replace(/\/+$/, "");
                this.#fetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args));
                this.#getAccessToken = options.getAccessToken;
                this.#onAccessToken = options.onAccessToken;
              }

            """#
    }

    static func classTail(refresh: (method: HTTPMethod, path: String)?, model: APIModel) -> String {
        let onUnauthorized: String
        let refreshMethods: String
        if let refresh {
            onUnauthorized = #"""
                    if (response.status === 401 && spec.bearer) {
                      const fresh = await this.#refresh(token);
                      if (fresh === null) throw await parleyApiError(response);
                      response = await this.#send(spec, fresh);
                    }

                """#
            refreshMethods = #"""

                  /**
                   * A new access token from the refresh cookie, or null (after `onAccessToken(null)`) when there is none.
                   * Concurrent callers share one request; a caller whose token was already replaced gets the new one.
                   */
                  #refresh(stale: string | null): Promise<string | null> {
                    const current = this.#currentToken();
                    if (current !== null && current !== stale) return Promise.resolve(current);
                    if (this.#refreshing === null) {
                      const refreshing = this.#requestRefresh();
                      this.#refreshing = refreshing;
                      void refreshing.finally(() => {
                        if (this.#refreshing === refreshing) this.#refreshing = null;
                      });
                    }
                    return this.#refreshing;
                  }

                  async #requestRefresh(): Promise<string | null> {
                    try {
                      const response = await this.#fetch(this.#baseUrl + \#(TSSyntax.literal(refresh.path)), {
                        method: \#(TSSyntax.literal(refresh.method.rawValue)),
                        headers: { Accept: "application/json" },
                        credentials: "include",
                      });
                      const token = response.ok ? parleyAccessToken(await parleyReadJson(response)) : null;
                      this.#setToken(token);
                      return token;
                    } catch {
                      this.#setToken(null);
                      return null;
                    }
                  }

                """#
        } else {
            onUnauthorized = ""
            refreshMethods = ""
        }
        return #"""

              #currentToken(): string | null {
                return this.#getAccessToken !== undefined ? this.#getAccessToken() : this.#token;
              }

              #setToken(token: string | null): void {
                this.#token = token;
                this.#onAccessToken?.(token);
              }

              async #request<T>(spec: RequestSpec): Promise<T> {
                const token = this.#currentToken();
                let response = await this.#send(spec, token);

            """# + onUnauthorized + #"""
                    if (!response.ok) throw await parleyApiError(response);
                    const data = await parleyReadJson(response);
                    if (spec.issuesToken) {
                      const fresh = parleyAccessToken(data);
                      if (fresh !== null) this.#setToken(fresh);
                    } else if (spec.clearsToken === true) {
                      this.#setToken(null);
                    }
                    return data as T;
                  }

                  #send(spec: RequestSpec, token: string | null): Promise<Response> {
                    const headers: Record<string, string> = { Accept: "application/json" };
                    if (token !== null && token !== "") headers["Authorization"] = `Bearer ${token}`;
                    const init: RequestInit = { method: spec.method, headers, credentials: "include" };
                    if (spec.body !== undefined) {
                      headers["Content-Type"] = "application/json";
                      init.body = JSON.stringify(spec.body);
                    }
                    return this.#fetch(this.#baseUrl + spec.path + parleyQuery(spec.query), init);
                  }

                """# + refreshMethods + "}\n"
    }

    static let helpers = #"""

        function parleyQuery(query: object | undefined): string {
          if (query === undefined) return "";
          const params = new URLSearchParams();
          for (const [key, value] of Object.entries(query)) {
            if (value !== undefined && value !== null) params.append(key, String(value));
          }
          const text = params.toString();
          return text === "" ? "" : "?" + text;
        }

        async function parleyReadJson(response: Response): Promise<unknown> {
          const text = await response.text();
          if (text === "") return undefined;
          try {
            return JSON.parse(text) as unknown;
          } catch {
            throw new ApiError(response.status, "INTERNAL", "The response is not JSON.");
          }
        }

        function parleyIsRecord(value: unknown): value is Record<string, unknown> {
          return typeof value === "object" && value !== null && !Array.isArray(value);
        }

        function parleyAccessToken(data: unknown): string | null {
          const token = parleyIsRecord(data) ? data["accessToken"] : undefined;
          return typeof token === "string" ? token : null;
        }

        async function parleyApiError(response: Response): Promise<ApiError> {
          let data: unknown;
          try {
            const text = await response.text();
            data = text === "" ? undefined : (JSON.parse(text) as unknown);
          } catch {
            data = undefined;
          }
          const error = parleyIsRecord(data) ? data["error"] : undefined;
          if (parleyIsRecord(error)) {
            const code = error["code"];
            const message = error["message"];
            const rawDetails = error["details"];
            if (typeof code === "string" && typeof message === "string") {
              const details = Array.isArray(rawDetails)
                ? rawDetails.filter(
                    (d: unknown): d is ErrorDetail =>
                      parleyIsRecord(d) && typeof d["path"] === "string" && typeof d["message"] === "string",
                  )
                : undefined;
              return new ApiError(response.status, code, message, details);
            }
          }
          return new ApiError(response.status, "INTERNAL", response.statusText || `HTTP ${response.status}`);
        }

        """#
}
